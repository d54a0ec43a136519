import { describe, expect, it } from 'vitest';
import { ConfigError, keyIdOf, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has working defaults: open local mode on port 3000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      role: 'all',
      apiKeys: [],
      rateLimit: { max: 600, windowMs: 60_000 },
      maxActiveJobsPerKey: 8,
      bodyLimitBytes: 4 * 1024 * 1024,
      logLevel: 'info',
      trustProxy: false,
    });
    expect(config.redisUrl).toBeUndefined();
    expect(config.limits.memoryBytes).toBe(2048 * 1024 * 1024);
  });

  it('reads API_KEYS as id:secret or plain secrets', () => {
    const { apiKeys } = loadConfig({ API_KEYS: ' alice:s3cret-a , s3cret-plain,bob:with:colon ' });
    expect(apiKeys).toEqual([
      { id: 'alice', secret: 's3cret-a' },
      { id: keyIdOf('s3cret-plain'), secret: 's3cret-plain' },
      { id: 'bob', secret: 'with:colon' },
    ]);
    expect(keyIdOf('s3cret-plain')).toMatch(/^key-[0-9a-f]{12}$/);
  });

  it('parses durations and limits', () => {
    const config = loadConfig({
      RATE_LIMIT_WINDOW: '30s',
      RATE_LIMIT_MAX: '5',
      MAX_MEMORY_MB: '10',
      MAX_NEURONS: '100',
    });
    expect(config.rateLimit).toEqual({ max: 5, windowMs: 30_000 });
    expect(config.limits).toMatchObject({ neurons: 100, memoryBytes: 10 * 1024 * 1024 });
    expect(loadConfig({ RATE_LIMIT_WINDOW: '1500' }).rateLimit.windowMs).toBe(1500);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', API_KEYS: '' }).port).toBe(3000);
  });

  it.each([
    ['PORT', 'http'],
    ['MAX_NEURONS', '-1'],
    ['RATE_LIMIT_WINDOW', 'soon'],
    ['LOG_LEVEL', 'loud'],
    ['REDIS_URL', 'localhost:6379'],
    ['API_KEYS', 'a:x,a:y'],
    ['VOLLEY_ROLE', 'worker'],
  ])('names the variable when %s=%s is wrong', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}:`));
  });

  it('never echoes API_KEYS secrets in errors', () => {
    expect(() => loadConfig({ API_KEYS: 'bad id:topsecret' })).toThrow(/^(?![\s\S]*topsecret)/);
  });

  it('refuses the api-only role without Redis', () => {
    expect(() => loadConfig({ VOLLEY_ROLE: 'api' })).toThrow(/VOLLEY_ROLE/);
    expect(loadConfig({ VOLLEY_ROLE: 'api', REDIS_URL: 'redis://127.0.0.1:6379' }).role).toBe('api');
  });
});
