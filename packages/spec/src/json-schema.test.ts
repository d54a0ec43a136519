import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { networkSpecJsonSchema } from './index.js';

const committed = new URL('../network-spec.schema.json', import.meta.url);

describe('networkSpecJsonSchema', () => {
  const schema = networkSpecJsonSchema();

  it('describes the top level inline', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(schema.title).toBe('Volley network spec v1');
    expect(Object.keys(schema.properties as object)).toEqual([
      'version',
      'name',
      'dt',
      'duration',
      'seed',
      'constants',
      'groups',
      'synapses',
      'monitors',
    ]);
    expect(schema.required).toEqual(['version', 'duration', 'groups']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('names the reusable parts in $defs, every $ref resolvable', () => {
    const defs = schema.$defs as Record<string, unknown>;
    for (const name of [
      'Quantity',
      'InitValue',
      'Constant',
      'Group',
      'NeuronGroup',
      'Synapses',
      'Connect',
      'Monitor',
    ]) {
      expect(defs).toHaveProperty(name);
    }
    const refs = JSON.stringify(schema).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const target = /#\/\$defs\/(\w+)/.exec(ref)?.[1];
      expect(target && defs[target], ref).toBeTruthy();
    }
  });

  it('carries descriptions and defaults as written by users', () => {
    const props = schema.properties as Record<string, Record<string, unknown>>;
    expect(props.dt?.default).toBe('0.1*ms');
    expect(props.duration?.description).toMatch(/Simulated time/);
    expect(props.groups?.minProperties).toBe(1);
  });

  it.runIf(existsSync(committed))(
    'matches the committed network-spec.schema.json (run `pnpm json-schema`)',
    () => {
      expect(JSON.parse(readFileSync(committed, 'utf8'))).toEqual(schema);
    },
  );
});
