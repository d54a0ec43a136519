/**
 * The API process: `node services/api/dist/main.js`.
 *
 * - no REDIS_URL: embedded backend and an in-process worker — one process, nothing else to run;
 * - REDIS_URL: the Redis backend; an in-process worker too unless VOLLEY_ROLE=api, in which case
 *   workers run separately (`node services/worker/dist/main.js`).
 *
 * A wrong environment variable stops the process at start with a message naming it.
 */
import {
  ConfigError as WorkerConfigError,
  createBackend,
  loadConfig as loadWorkerConfig,
  startWorker,
  type Logger,
} from '@volley/worker';
import type { FastifyBaseLogger } from 'fastify';
import closeWithGrace from 'close-with-grace';
import { Redis } from 'ioredis';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

function readConfig() {
  try {
    return { api: loadConfig(process.env), worker: loadWorkerConfig(process.env) };
  } catch (err) {
    if (err instanceof ConfigError || err instanceof WorkerConfigError) {
      process.stderr.write(`volley api: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

const config = readConfig();

// The backend and worker exist before the app (which needs the backend); their logs go to the
// app's logger, so the process writes one JSON log stream.
const sink: { log?: FastifyBaseLogger } = {};
const logger: Logger = {
  info: (obj, msg) => sink.log?.info(obj, msg),
  warn: (obj, msg) => sink.log?.warn(obj, msg),
  error: (obj, msg) => sink.log?.error(obj, msg),
};

const backend = await createBackend(config.worker, { logger });
const worker = config.api.role === 'all' ? await startWorker(config.worker, backend, { logger }) : undefined;
const rateLimitRedis =
  config.api.redisUrl === undefined ? undefined : new Redis(config.api.redisUrl, { maxRetriesPerRequest: 1 });

const app = await buildApp({
  backend,
  config: config.api,
  ...(rateLimitRedis === undefined
    ? {}
    : { rateLimitRedis, rateLimitPrefix: `${config.worker.redisPrefix}:` }),
});

sink.log = app.log;

closeWithGrace({ delay: config.worker.shutdownGraceMs + 5000, logger: app.log }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'shutting down after an error');
  else app.log.info({ signal }, 'shutting down');
  // Stop taking requests and close streams first, then let running jobs finish (or stop), then the store.
  await app.close();
  await worker?.close();
  await backend.close();
  rateLimitRedis?.disconnect();
});

await app.listen({ port: config.api.port, host: config.api.host });
app.log.info(
  {
    backend: backend.kind,
    worker: worker === undefined ? 'none (VOLLEY_ROLE=api)' : 'in-process',
    auth: config.api.apiKeys.length === 0 ? 'open (no API_KEYS)' : `${config.api.apiKeys.length} keys`,
  },
  'volley api ready',
);
