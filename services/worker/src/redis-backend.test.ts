import { describe, expect, it } from 'vitest';
import {
  backendContract,
  CUBA_LONG,
  readAll,
  SEED_THREE,
  submitRequest,
  waitFor,
} from './backend.contract.js';
import { redisHarness, REDIS_URL } from './test-support.js';
import { loadConfig } from './config.js';
import { RedisBackend } from './redis-backend.js';

backendContract('redis', redisHarness);

describe('Redis mode', () => {
  it('keeps every key under the prefix, stream ids derived from seq, TTLs on finished jobs', async () => {
    const h = await redisHarness({ RESULT_TTL_S: '600' });
    try {
      await h.startWorker();
      const req = submitRequest(SEED_THREE);
      await h.backend.submit(req);
      const log = await readAll(h.backend, req.id);
      const p = h.config.redisPrefix;
      const entries = await h.admin.xrange(`${p}:events:${req.id}`, '-', '+');
      expect(entries.map(([id]) => id)).toEqual(log.map((m) => `${m.seq}-1`));
      for (const key of [`${p}:job:${req.id}`, `${p}:events:${req.id}`, `${p}:results:${req.id}`]) {
        const ttl = await h.admin.ttl(key);
        expect(ttl).toBeGreaterThan(590);
        expect(ttl).toBeLessThanOrEqual(600);
      }
      expect(await h.admin.exists(`${p}:sims:meta`)).toBe(1); // BullMQ's keys share the prefix
      // Results are stored packed and compressed, far below their JSON size.
      const stored = await h.admin.strlen(`${p}:results:${req.id}`);
      expect(stored).toBeLessThan(JSON.stringify(await h.backend.getResults(req.id)).length / 2);
    } finally {
      await h.close();
    }
  });

  it('serves and cancels a job from another API replica', async () => {
    const h = await redisHarness({});
    const other = await RedisBackend.connect(loadConfig({ REDIS_URL, REDIS_PREFIX: h.config.redisPrefix }));
    try {
      const worker = await h.startWorker();
      const req = submitRequest(CUBA_LONG);
      await h.backend.submit(req);
      await waitFor('progress seen by the other replica', async () =>
        (await other.readEvents(req.id, 1, 1000, 500)).some((m) => m.type === 'progress'),
      );
      expect((await other.list('alice', { limit: 10 })).items.map((r) => r.id)).toEqual([req.id]);
      const t0 = Date.now();
      expect(await other.cancel(req.id)).toMatchObject({ status: 'cancelled' });
      await waitFor('the worker to stop', () => Promise.resolve(worker.running === 0), 5000, 10);
      expect(Date.now() - t0).toBeLessThan(1500);
      expect(await h.backend.get(req.id)).toMatchObject({ status: 'cancelled' });
    } finally {
      await other.close();
      await h.close();
    }
  });

  it('JOB_RETRIES=1: a job stopped by shutdown goes back to the queue and another worker runs it', async () => {
    const h = await redisHarness({ JOB_RETRIES: '1' });
    try {
      const first = await h.startWorker();
      const req = submitRequest(CUBA_LONG);
      await h.backend.submit(req);
      await waitFor('the run to start', async () => (await h.backend.get(req.id))?.status === 'running');
      await first.close(100);
      expect(await h.backend.get(req.id)).toMatchObject({ status: 'queued' });
      const second = await h.startWorker();
      await waitFor('the retry to start', async () => (await h.backend.get(req.id))?.status === 'running');
      await h.backend.cancel(req.id);
      await waitFor('the retry to stop', () => Promise.resolve(second.running === 0), 5000, 10);
      const log = await readAll(h.backend, req.id);
      const statuses = log
        .filter((m) => m.type === 'status' || m.type === 'error')
        .map((m) => [m.type, m.status, m.error?.code]);
      expect(statuses).toEqual([
        ['status', 'running', undefined],
        ['status', 'queued', 'worker_shutdown'],
        ['status', 'running', undefined],
        ['error', 'cancelled', 'cancelled'],
      ]);
      expect(log.map((m) => m.seq)).toEqual(log.map((_, k) => k + 1));
    } finally {
      await h.close();
    }
  });
});
