/** Test support: the built thread code, and Redis mode against a real Redis with a fresh key prefix per harness (deleted after). */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Harness } from './backend.contract.js';
import { loadConfig, type Config } from './config.js';
import { RedisBackend } from './redis-backend.js';
import { RedisWorker } from './redis-worker.js';
import type { WorkerHandle } from './worker-handle.js';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Tests run from the sources; simulation threads always run the built code. */
export const THREAD_URL = new URL('../dist/sim-thread.js', import.meta.url);

export const testPrefix = () => `volley-test-${randomUUID().slice(0, 8)}`;

/** Deletes every key under `prefix:`. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

export interface RedisHarness extends Harness {
  config: Config;
  admin: Redis;
  workers: WorkerHandle[];
}

export async function redisHarness(env: Record<string, string>): Promise<RedisHarness> {
  const config = loadConfig({ REDIS_URL, REDIS_PREFIX: testPrefix(), LOG_LEVEL: 'silent', ...env });
  const admin = new Redis(REDIS_URL);
  const backend = await RedisBackend.connect(config);
  const workers: WorkerHandle[] = [];
  return {
    config,
    admin,
    workers,
    backend,
    async startWorker() {
      const worker = await RedisWorker.start(config, { threadUrl: THREAD_URL });
      workers.push(worker);
      return worker;
    },
    resultsTtlS: (id) => admin.ttl(`${config.redisPrefix}:results:${id}`),
    async close() {
      await Promise.all(workers.map((w) => w.close(0)));
      await backend.close();
      await deleteKeys(admin, config.redisPrefix);
      await admin.quit();
    },
  };
}
