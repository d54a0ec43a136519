import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNetworkSpec } from './index.js';

/** The examples the service and viewer ship, copied from the shared spec. */
const examples = new URL('../../../examples/', import.meta.url);
/** The contract's own copy, when this checkout sits beside it. */
const shared = new URL('../../../../shared/spec/examples/', import.meta.url);

const files = readdirSync(examples)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('examples', () => {
  it('ships the six examples of the spec', () => {
    expect(files).toEqual([
      'cuba.json',
      'hh-timed-current.json',
      'seed-hundred.json',
      'seed-single.json',
      'seed-three.json',
      'stdp-song2000.json',
    ]);
  });

  it.each(files)('%s is a valid spec', (file) => {
    const result = parseNetworkSpec(JSON.parse(readFileSync(new URL(file, examples), 'utf8')));
    expect(result.ok ? [] : result.diagnostics).toEqual([]);
  });

  it.runIf(existsSync(shared))('are byte-identical to the shared spec examples', () => {
    const sharedFiles = readdirSync(shared)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(files).toEqual(sharedFiles);
    for (const file of files) {
      expect(readFileSync(new URL(file, examples)), file).toEqual(readFileSync(new URL(file, shared)));
    }
  });
});
