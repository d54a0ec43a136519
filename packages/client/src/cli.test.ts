/**
 * The `volley` CLI's local commands, run as a user runs them: the built `dist/cli.js` in a child
 * process (`pnpm test` builds first), against the shipped examples.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, run } from '@volley/sim';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'packages/client/dist/cli.js');
const example = (name: string) => join(root, 'examples', name);
const dir = mkdtempSync(join(tmpdir(), 'volley-cli-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function volley(args: string[], input?: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.VOLLEY_SERVER;
    delete env.VOLLEY_API_KEY;
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: root,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** A spec as JSON, loose enough to break on purpose. */
interface SpecDoc {
  groups: Record<string, Record<string, unknown>>;
  [field: string]: unknown;
}

function writeSpec(name: string, mutate: (spec: SpecDoc) => void): string {
  const spec = JSON.parse(readFileSync(example('seed-single.json'), 'utf8')) as SpecDoc;
  mutate(spec);
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(spec, null, 2));
  return path;
}

/** The column (0-based) of the caret in the line under `source`, in stderr. */
function caretUnder(stderr: string, source: string): { line: string; caret: number; width: number } {
  const lines = stderr.split('\n');
  const at = lines.findIndex((l) => l.trim() === source);
  expect(at, `"${source}" in:\n${stderr}`).toBeGreaterThanOrEqual(0);
  const line = lines[at] ?? '';
  const marks = lines[at + 1] ?? '';
  const caret = marks.indexOf('^');
  const width = marks.trimEnd().length - caret;
  return { line, caret: caret - line.indexOf(source), width };
}

describe('volley run', () => {
  it('writes the results document of seed-single.json, identical to the core run in-process', async () => {
    const out = join(dir, 'single.json');
    const r = await volley(['run', example('seed-single.json'), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/wrote .*single\.json/);
    const text = readFileSync(out, 'utf8');
    const doc = JSON.parse(text);
    expect(Object.keys(doc)).toEqual(['id', 'seed', 'dt', 'duration', 'monitors', 'stats']);
    expect(doc).toMatchObject({ seed: 1, dt: 0.0001, duration: 0.05 });
    expect(Object.keys(doc.stats).sort()).toEqual(
      ['build_time_s', 'spikes', 'steps', 'synaptic_events', 'total_time_s', 'wall_time_s'].sort(),
    );
    expect(doc.stats.steps).toBe(500);

    const spikes = doc.monitors.spikemon;
    expect(spikes.type).toBe('spikes');
    expect(spikes.count).toEqual([spikes.i.length]);
    // dv/dt = (1-v)/tau from 0 crosses 0.8 after tau·ln 5 = 16.09 ms; Brian 2 stamps it 16.0 ms (its tutorial: [16, 32.1, 48.2] ms).
    expect(spikes.t.length).toBe(3);
    expect(spikes.t[0]).toBeCloseTo(0.016, 9);
    const state = doc.monitors.statemon;
    expect(state.type).toBe('state');
    expect(state.record).toEqual([0]);
    expect(state.t.length).toBe(500);
    expect(state.values.v).toHaveLength(1);
    expect(state.values.v[0]).toHaveLength(500);

    // The streaming writer and the core agree to the last bit.
    const compiled = compile(JSON.parse(readFileSync(example('seed-single.json'), 'utf8')));
    if (!compiled.ok) throw new Error('example does not compile');
    const expected = run(compiled.program, { id: 'local' });
    expect(doc.monitors).toEqual(JSON.parse(JSON.stringify(expected.monitors)));
    expect(doc.stats.spikes).toBe(expected.stats.spikes);
  });

  it('prints a summary without --out: spikes and mean rate per spike monitor, steps, wall time, seed', async () => {
    const r = await volley(['run', example('seed-hundred.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^seed-hundred: seed 7, 500 steps \(50 ms at dt 100 µs\)/);
    expect(r.stdout).toMatch(/wall time [\d.]+ [mµ]?s/);
    expect(r.stdout).toMatch(/spikemon\s+spikes\s+[\d,]+ spikes from 100 neurons, mean [\d.]+ Hz per neuron/);
    expect(r.stdout.split('\n').length).toBeLessThan(20);
  });

  it('--seed overrides the spec seed', async () => {
    const out = join(dir, 'seeded.json');
    const r = await volley(['run', example('seed-hundred.json'), '--seed', '42', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).seed).toBe(42);
    const again = await volley(['run', example('seed-hundred.json'), '--seed', 'x']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--seed must be a non-negative integer');
  });

  it('reports compile errors as `path line L col C: message` with the equation line and a caret', async () => {
    const bad = writeSpec('bad.json', (s) => {
      s.groups.G.model = 'dv/dt = (1-v)/taux : 1';
    });
    const r = await volley(['run', bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('groups.G.model line 1 col 15: ');
    expect(r.stderr).toMatch(/unknown identifier.*taux/);
    const { caret, width } = caretUnder(r.stderr, 'dv/dt = (1-v)/taux : 1');
    expect(caret).toBe(14);
    expect(width).toBe(4);
    expect(r.stderr).toContain('did you mean "tau"?');
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
  });

  it('lists every error of a spec, each with its own caret', async () => {
    const bad = writeSpec('two.json', (s) => {
      s.groups.G.model = 'dv/dt = (1-v)/tau : 1\nw : volt\ndw/dt = -w/tau + v : volt';
      s.groups.G.threshold = 'v > 0.8*mV';
    });
    const r = await volley(['run', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/groups\.G\.model line 3 col \d+: /);
    expect(r.stderr).toMatch(/groups\.G\.threshold line 1 col \d+: /);
    caretUnder(r.stderr, 'v > 0.8*mV');
    expect(r.stderr).toMatch(/\d+ errors in the spec/);
  });

  it('says where a file stops being JSON, with the line and a caret', async () => {
    const path = join(dir, 'not.json');
    writeFileSync(path, '{\n  "version": 1,\n  "dt": 0.1*ms,\n  "duration": "50*ms"\n}\n');
    const r = await volley(['run', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path} is not valid JSON: line 3 col 12: unexpected "*"`);
    const { caret } = caretUnder(r.stderr, '"dt": 0.1*ms,');
    expect(caret).toBe(9);
    expect(r.stderr).not.toMatch(/SyntaxError/);
  });

  it('--threads splits a large group across threads with the same results', async () => {
    // 20 000 LIF neurons (over the 16 384 that are split), recurrent synapses, 20 ms.
    const path = writeSpec('large.json', (spec) => {
      spec.duration = '20*ms';
      spec.groups = {
        G: {
          type: 'neurons',
          N: 20000,
          model: 'dv/dt = (1.1 - v)/(10*ms) : 1',
          threshold: 'v > 0.8',
          reset: 'v = 0',
          method: 'exact',
          init: { v: 'rand()' },
        },
      };
      spec.synapses = {
        S: { source: 'G', target: 'G', model: '', on_pre: 'v_post += 0.01', connect: { p: 0.001 } },
      };
      spec.monitors = { spikemon: { type: 'spikes', source: 'G' } };
    });
    const one = join(dir, 'large-1.json');
    const two = join(dir, 'large-2.json');
    expect((await volley(['run', path, '--out', one])).code).toBe(0);
    const r = await volley(['run', path, '--threads', '2', '--out', two]);
    expect(r.code, r.stderr).toBe(0);
    const a = JSON.parse(readFileSync(one, 'utf8'));
    const b = JSON.parse(readFileSync(two, 'utf8'));
    expect(a.monitors.spikemon.i.length).toBeGreaterThan(1000);
    expect(b.monitors).toEqual(a.monitors);
    const bad = await volley(['run', path, '--threads', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--threads must be an integer from 1 to 64');
  });

  it('handles stdin, a missing file and bad usage', async () => {
    const piped = await volley(['run', '-'], 'not json at all');
    expect(piped.code).toBe(1);
    expect(piped.stderr).toContain('- is not valid JSON: line 1 col 2');
    const missing = await volley(['run', join(dir, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such file');
    const usage = await volley(['run']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: volley run SPEC.json');
    const unknown = await volley(['frobnicate']);
    expect(unknown.code).toBe(2);
    const help = await volley(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('volley validate SPEC.json');
  });
});

describe('volley validate (offline)', () => {
  it('accepts a valid spec and reports its size', async () => {
    const r = await volley(['validate', example('cuba.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/valid \(offline check\) — 4,000 neurons/);
  });

  it('rejects an invalid one with carets', async () => {
    const bad = writeSpec('bad-validate.json', (s) => {
      s.groups.G.threshold = 'v > 0.8*mV';
    });
    const r = await volley(['validate', bad, '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/groups\.G\.threshold line 1 col \d+: /);
  });
});
