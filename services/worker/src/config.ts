/**
 * The worker's configuration, read once from the environment and validated with zod. A wrong value
 * is a `ConfigError` naming the variable, so `main.ts` can print one line and exit 1 instead of
 * failing later with a confusing stack.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The environment variable at fault, e.g. `WORKER_CONCURRENCY`. */
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.variable = variable;
  }
}

export interface Config {
  /** `redis://…`; absent = embedded mode (in-process queue, event log and result store). */
  redisUrl?: string;
  /** Prefix of every Redis key Volley writes (BullMQ's included). */
  redisPrefix: string;
  /** Simulations run in parallel by one worker process (= piscina threads). */
  concurrency: number;
  /** Wall-clock limit of one run, seconds; past it the job fails with `time_limit`. */
  jobWallLimitS: number;
  /** How long a finished job's record, event log and results are kept, seconds. */
  resultTtlS: number;
  /** Entries one job's event log may hold; a run that would exceed it fails with `stream_limit`. */
  streamMaxEntries: number;
  /** Times a job is retried after its worker died or shut down mid-run (0 or 1). */
  jobRetries: 0 | 1;
  /** Finished BullMQ jobs kept in Redis for inspection (our own records are kept `resultTtlS`). */
  keepCompleted: number;
  keepFailed: number;
  /** BullMQ's stalled-job check period and job lock duration, ms: a killed worker's job is noticed after about both. */
  stalledIntervalMs: number;
  lockDurationMs: number;
  /** On SIGTERM/SIGINT, how long running jobs may take to finish before they are stopped, ms. */
  shutdownGraceMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** Empty strings count as unset, so `FOO= node …` falls back to the default. */
const unsetIfEmpty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const int = (min: number, fallback: () => number) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^\s*\d+\s*$/, {
        error: (iss) => `expected an integer >= ${min}, got ${JSON.stringify(iss.input)}`,
      })
      .transform(Number)
      .pipe(
        z
          .number()
          .int()
          .min(min, { error: `must be >= ${min}` }),
      )
      .optional()
      .transform((v) => v ?? fallback()),
  );

const positiveNumber = (fallback: number) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^\s*\d+(\.\d+)?\s*$/, {
        error: (iss) => `expected a positive number, got ${JSON.stringify(iss.input)}`,
      })
      .transform(Number)
      .pipe(z.number().positive({ error: 'must be > 0' }))
      .optional()
      .transform((v) => v ?? fallback),
  );

const envSchema = z.object({
  REDIS_URL: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^rediss?:\/\//, { error: 'expected a redis:// or rediss:// URL' })
      .optional(),
  ),
  REDIS_PREFIX: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^[A-Za-z0-9_.{}-]+(:[A-Za-z0-9_.{}-]+)*$/, {
        error: 'expected letters, digits, `_ . - { }`, optionally separated by `:`',
      })
      .default('volley'),
  ),
  WORKER_CONCURRENCY: int(1, () => availableParallelism()),
  JOB_WALL_LIMIT_S: positiveNumber(3600),
  RESULT_TTL_S: int(1, () => 7 * 24 * 3600),
  STREAM_MAX_ENTRIES: int(3, () => 200_000),
  JOB_RETRIES: z.preprocess(
    unsetIfEmpty,
    z
      .enum(['0', '1'], { error: (iss) => `expected 0 or 1, got ${JSON.stringify(iss.input)}` })
      .default('0')
      .transform((v) => (v === '1' ? 1 : 0)),
  ),
  KEEP_COMPLETED: int(0, () => 1000),
  KEEP_FAILED: int(0, () => 5000),
  STALLED_INTERVAL_MS: int(100, () => 30_000),
  LOCK_DURATION_MS: int(200, () => 30_000),
  SHUTDOWN_GRACE_MS: int(0, () => 8_000),
  LOG_LEVEL: z.preprocess(
    unsetIfEmpty,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
});

/**
 * Reads the configuration from `env` (default `process.env`).
 * @throws ConfigError naming the first variable with a wrong value.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = typeof issue?.path[0] === 'string' ? issue.path[0] : 'environment';
    throw new ConfigError(variable, issue?.message ?? 'invalid value');
  }
  const e = parsed.data;
  const config: Config = {
    redisPrefix: e.REDIS_PREFIX,
    concurrency: e.WORKER_CONCURRENCY,
    jobWallLimitS: e.JOB_WALL_LIMIT_S,
    resultTtlS: e.RESULT_TTL_S,
    streamMaxEntries: e.STREAM_MAX_ENTRIES,
    jobRetries: e.JOB_RETRIES,
    keepCompleted: e.KEEP_COMPLETED,
    keepFailed: e.KEEP_FAILED,
    stalledIntervalMs: e.STALLED_INTERVAL_MS,
    lockDurationMs: e.LOCK_DURATION_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    logLevel: e.LOG_LEVEL,
  };
  if (e.REDIS_URL !== undefined) config.redisUrl = e.REDIS_URL;
  return config;
}
