/**
 * Stopping runs: a cancel asks the thread to stop after its chunk (a shared flag), so threads are
 * not terminated while they load their modules — which can take the whole process down in Node 20.
 * The pool runs the built thread (`dist/sim-thread.js`); `pnpm test` builds first.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SimPool } from './sim-pool.js';

const threadUrl = new URL('../dist/sim-thread.js', import.meta.url);
const cuba = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../examples/cuba.json', import.meta.url)), 'utf8'),
) as {
  duration: string;
};

describe('SimPool', () => {
  const pool = new SimPool({ threads: 2, threadUrl });
  afterAll(() => pool.close());

  it('stops runs cancelled at any moment, right from the start, without terminating threads mid-load', async () => {
    const spec = { ...cuba, duration: '100*second' };
    for (let k = 0; k < 20; k++) {
      const ac = new AbortController();
      const started = performance.now();
      const run = pool.simulate({ id: `c${k}`, spec, signal: ac.signal, write: () => Promise.resolve() });
      setTimeout(() => ac.abort(new Error('cancelled')), (k % 5) * 15);
      const outcome = await run;
      expect(outcome.kind).toBe('aborted');
      expect(performance.now() - started).toBeLessThan(3000);
    }
  }, 120_000);

  it('a cancelled run frees its thread for the next one', async () => {
    const outcome = await pool.simulate({
      id: 'after',
      spec: { ...cuba, duration: '20*ms' },
      signal: new AbortController().signal,
      write: () => Promise.resolve(),
    });
    expect(outcome.kind).toBe('completed');
  });
});
