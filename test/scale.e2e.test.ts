/**
 * Horizontal scale on one Redis: two API processes and two worker processes. Jobs submitted to one
 * API are shared out between the workers, and the other API serves the same records, live streams
 * and results.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REDIS_URL,
  redisAvailable,
  redisKeys,
  spikesOf,
  startApi,
  startWorker,
  streamOf,
  uniquePrefix,
  type ApiProcess,
  type Proc,
} from './service-harness.js';

const KEY = 'scale-e2e-secret';
const auth = { authorization: `Bearer ${KEY}` };
const cuba = JSON.parse(readFileSync(new URL('../examples/cuba.json', import.meta.url), 'utf8')) as Record<
  string,
  unknown
>;

const redisUp = await redisAvailable();

describe.skipIf(!redisUp)('two APIs and two workers on one Redis', () => {
  const prefix = uniquePrefix();
  const env = { REDIS_URL, REDIS_PREFIX: prefix, API_KEYS: `scale:${KEY}` };
  const workers: Proc[] = [];
  let a: ApiProcess;
  let b: ApiProcess;

  beforeAll(async () => {
    for (let k = 0; k < 2; k++) workers.push(await startWorker({ ...env, WORKER_CONCURRENCY: '1' }));
    a = await startApi({ ...env, VOLLEY_ROLE: 'api' });
    b = await startApi({ ...env, VOLLEY_ROLE: 'api' });
  });

  afterAll(async () => {
    await Promise.all([a, b, ...workers].filter(Boolean).map((p) => p.stop(5000)));
    await redisKeys(prefix, true);
    expect(await redisKeys(prefix)).toBe(0);
  });

  it('shares jobs between the workers; the other API streams and serves them', async () => {
    const ids: string[] = [];
    for (let k = 0; k < 4; k++) {
      const res = await fetch(`${a.url}/v1/simulations`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ ...cuba, name: `scale-${k}`, seed: 100 + k, duration: '1.5*second' }),
      });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { id: string }).id);
    }
    // Every job streamed live through the API that did not take it.
    const streams = await Promise.all(ids.map((id) => streamOf(`${b.ws}/v1/simulations/${id}/stream`, auth)));
    for (const [k, id] of ids.entries()) {
      const { messages } = streams[k]!;
      expect(messages.at(-1)?.type).toBe('done');
      const seqs = messages.map((m) => m.seq);
      expect(seqs).toEqual(seqs.map((_, q) => q + 1));
      const results = (await (
        await fetch(`${b.url}/v1/simulations/${id}/results`, { headers: auth })
      ).json()) as {
        monitors: { spikes: { i: number[] } };
      };
      expect(spikesOf(messages, 'spikes').i).toEqual(results.monitors.spikes.i);
      const record = (await (await fetch(`${a.url}/v1/simulations/${id}`, { headers: auth })).json()) as {
        status: string;
      };
      expect(record.status).toBe('completed');
    }
    // Both workers ran some of them.
    const ran = workers.map((w) => ids.filter((id) => w.output().includes(id)).length);
    expect(ran[0]! + ran[1]!).toBe(4);
    expect(Math.min(...ran)).toBeGreaterThan(0);
  }, 120_000);
});
