/**
 * The standalone worker process: `node services/worker/dist/main.js`, with REDIS_URL set. Runs
 * WORKER_CONCURRENCY simulations at a time; scale out by starting more of these.
 *
 * SIGTERM/SIGINT: stop taking jobs, give running ones SHUTDOWN_GRACE_MS to finish, then stop them
 * (failed `worker_shutdown`, or back to the queue when JOB_RETRIES=1) — never left `running`.
 */
import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';
import { RedisWorker } from './redis-worker.js';

function readConfig(): Config {
  try {
    const config = loadConfig(process.env);
    if (config.redisUrl === undefined)
      throw new ConfigError(
        'REDIS_URL',
        'the standalone worker needs Redis (without it, `pnpm start` runs the worker inside the API)',
      );
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`volley worker: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

const config = readConfig();
const logger = pino({ name: 'volley-worker', level: config.logLevel });
const worker = await RedisWorker.start(config, { logger });

closeWithGrace(
  {
    // close() itself stops runs at shutdownGraceMs; this is the backstop if Redis is unreachable meanwhile.
    delay: config.shutdownGraceMs + 10_000,
    logger: { error: (msg: unknown) => logger.error({ msg }, 'shutdown') },
  },
  async ({ signal, err }) => {
    if (err !== undefined) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal, running: worker.running }, 'shutting down');
    await worker.close();
    logger.info('worker stopped');
  },
);

logger.info(
  {
    concurrency: config.concurrency,
    prefix: config.redisPrefix,
    retries: config.jobRetries,
    pid: process.pid,
  },
  'volley worker ready',
);
