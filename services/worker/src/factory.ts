/** Picks the backend and worker for a configuration: Redis when REDIS_URL is set, embedded otherwise. */
import type { Backend } from './backend.js';
import type { Config } from './config.js';
import { EmbeddedBackend } from './embedded-backend.js';
import { RedisBackend } from './redis-backend.js';
import { RedisWorker } from './redis-worker.js';
import type { WorkerHandle, WorkerOptions } from './worker-handle.js';

/** The API side: `RedisBackend` when `config.redisUrl` is set, else an `EmbeddedBackend`. */
export async function createBackend(config: Config, options: WorkerOptions = {}): Promise<Backend> {
  return config.redisUrl === undefined
    ? new EmbeddedBackend(config, options)
    : RedisBackend.connect(config, options);
}

/**
 * Starts running jobs in this process. Redis mode: a `RedisWorker` with its own connections (any
 * `backend` is unused). Embedded mode: the jobs live in the `EmbeddedBackend`, so pass it.
 */
export async function startWorker(
  config: Config,
  backend?: Backend,
  options: WorkerOptions = {},
): Promise<WorkerHandle> {
  if (config.redisUrl !== undefined) return RedisWorker.start(config, options);
  if (!(backend instanceof EmbeddedBackend)) {
    throw new Error(
      'startWorker: without REDIS_URL the worker runs inside the EmbeddedBackend; pass the one from createBackend(config)',
    );
  }
  return Promise.resolve(backend.startWorker());
}
