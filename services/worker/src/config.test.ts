import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    expect(loadConfig({})).toEqual({
      redisPrefix: 'volley',
      concurrency: availableParallelism(),
      jobWallLimitS: 3600,
      resultTtlS: 7 * 24 * 3600,
      streamMaxEntries: 200_000,
      jobRetries: 0,
      keepCompleted: 1000,
      keepFailed: 5000,
      stalledIntervalMs: 30_000,
      lockDurationMs: 30_000,
      shutdownGraceMs: 8000,
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://127.0.0.1:6379/2',
      REDIS_PREFIX: 'v2',
      WORKER_CONCURRENCY: '3',
      JOB_WALL_LIMIT_S: '1.5',
      RESULT_TTL_S: '60',
      STREAM_MAX_ENTRIES: '100',
      JOB_RETRIES: '1',
      KEEP_COMPLETED: '0',
      KEEP_FAILED: '10',
      STALLED_INTERVAL_MS: '500',
      LOCK_DURATION_MS: '1000',
      SHUTDOWN_GRACE_MS: '0',
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379/2',
      redisPrefix: 'v2',
      concurrency: 3,
      jobWallLimitS: 1.5,
      resultTtlS: 60,
      streamMaxEntries: 100,
      jobRetries: 1,
      keepCompleted: 0,
      keepFailed: 10,
      stalledIntervalMs: 500,
      lockDurationMs: 1000,
      shutdownGraceMs: 0,
      logLevel: 'warn',
    });
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ REDIS_URL: '', WORKER_CONCURRENCY: ' ' })).not.toHaveProperty('redisUrl');
  });

  it.each([
    ['WORKER_CONCURRENCY', 'abc'],
    ['WORKER_CONCURRENCY', '0'],
    ['WORKER_CONCURRENCY', '2.5'],
    ['JOB_WALL_LIMIT_S', '-1'],
    ['RESULT_TTL_S', 'week'],
    ['STREAM_MAX_ENTRIES', '2'],
    ['JOB_RETRIES', '2'],
    ['REDIS_URL', 'localhost:6379'],
    ['REDIS_PREFIX', 'has space'],
    ['LOG_LEVEL', 'loud'],
  ])('names the variable in the error: %s=%s', (variable, value) => {
    let error: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(new RegExp(`^${variable}: `));
  });
});
