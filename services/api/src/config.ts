/**
 * The API's configuration, read once from the environment and validated with zod. A wrong value
 * stops the process at start with a message naming the variable; nothing reads `process.env`
 * anywhere else in the API.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** One accepted API key. `id` is what job records store as their owner; the secret never leaves here. */
export interface ApiKey {
  id: string;
  secret: string;
}

export interface Limits {
  neurons: number;
  synapses: number;
  steps: number;
  recordedSamples: number;
  memoryBytes: number;
}

export interface ApiConfig {
  port: number;
  host: string;
  /** Unset: embedded backend and in-process worker. */
  redisUrl?: string;
  /** `all` runs an in-process worker next to the API; `api` serves HTTP only (needs REDIS_URL). */
  role: 'all' | 'api';
  /** Empty: open local mode, every caller is `anonymous`. */
  apiKeys: ApiKey[];
  rateLimit: { max: number; windowMs: number };
  maxActiveJobsPerKey: number;
  limits: Limits;
  bodyLimitBytes: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Trust X-Forwarded-* (rate limiting by client IP behind a proxy). */
  trustProxy: boolean;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `500ms`, `30s`, `1m`, `2h`, or a plain integer of milliseconds. */
const duration = z.string().transform((text, ctx) => {
  const match = /^(\d+)\s*(ms|s|m|h)?$/.exec(text.trim());
  const amount = match ? Number(match[1]) : NaN;
  const unit = (match?.[2] ?? 'ms') as keyof typeof DURATION_UNITS_MS;
  if (!match || amount <= 0) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration such as 30s, 1m or 60000 (ms), got "${text}"`,
    });
    return z.NEVER;
  }
  return amount * DURATION_UNITS_MS[unit];
});

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** Ids of plain secrets are derived from the secret so they stay stable across restarts. */
export function keyIdOf(secret: string): string {
  return `key-${createHash('sha256').update(secret).digest('hex').slice(0, 12)}`;
}

/** `id:secret` or a plain secret, comma-separated. The first colon separates id from secret. */
const apiKeys = z.string().transform((text, ctx) => {
  const keys: ApiKey[] = [];
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')) {
    const colon = entry.indexOf(':');
    const key =
      colon < 0
        ? { id: keyIdOf(entry), secret: entry }
        : { id: entry.slice(0, colon), secret: entry.slice(colon + 1) };
    if (!KEY_ID.test(key.id)) {
      ctx.addIssue({
        code: 'custom',
        message: `key id "${key.id}" must be 1-64 characters of A-Z a-z 0-9 _ . -`,
      });
    } else if (key.secret === '') {
      ctx.addIssue({ code: 'custom', message: `key "${key.id}" has an empty secret` });
    } else if (keys.some((k) => k.id === key.id)) {
      ctx.addIssue({ code: 'custom', message: `key id "${key.id}" appears twice` });
    } else if (keys.some((k) => k.secret === key.secret)) {
      ctx.addIssue({ code: 'custom', message: `two keys share the same secret` });
    } else {
      keys.push(key);
    }
  }
  return keys;
});

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
    .optional(),
  VOLLEY_ROLE: z.enum(['all', 'api']).default('all'),
  API_KEYS: apiKeys.default([]),
  RATE_LIMIT_MAX: positiveInt(600),
  RATE_LIMIT_WINDOW: duration.default(60_000),
  MAX_ACTIVE_JOBS_PER_KEY: positiveInt(8),
  MAX_NEURONS: positiveInt(1_000_000),
  MAX_SYNAPSES: positiveInt(50_000_000),
  MAX_STEPS: positiveInt(10_000_000),
  MAX_RECORDED_SAMPLES: positiveInt(50_000_000),
  MAX_MEMORY_MB: positiveInt(2048),
  BODY_LIMIT_BYTES: positiveInt(4 * 1024 * 1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: z.enum(['true', 'false', '1', '0']).default('false'),
});

/** Every variable this module reads, with its default, for docs and `--help`-style output. */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.shape) as (keyof typeof EnvSchema.shape)[];

/**
 * Reads and validates the configuration. Empty variables count as unset.
 * @throws ConfigError listing every wrong variable by name.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const present: Record<string, string> = {};
  for (const name of CONFIG_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') present[name] = value;
  }
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        const got = present[name];
        return `${name}: ${issue.message}${got === undefined || name === 'API_KEYS' ? '' : ` (got "${got}")`}`;
      }),
    );
  }
  const e = parsed.data;
  if (e.VOLLEY_ROLE === 'api' && e.REDIS_URL === undefined) {
    throw new ConfigError([
      'VOLLEY_ROLE: "api" (HTTP only, no in-process worker) needs REDIS_URL so separate workers can reach the queue',
    ]);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    ...(e.REDIS_URL === undefined ? {} : { redisUrl: e.REDIS_URL }),
    role: e.VOLLEY_ROLE,
    apiKeys: e.API_KEYS,
    rateLimit: { max: e.RATE_LIMIT_MAX, windowMs: e.RATE_LIMIT_WINDOW },
    maxActiveJobsPerKey: e.MAX_ACTIVE_JOBS_PER_KEY,
    limits: {
      neurons: e.MAX_NEURONS,
      synapses: e.MAX_SYNAPSES,
      steps: e.MAX_STEPS,
      recordedSamples: e.MAX_RECORDED_SAMPLES,
      memoryBytes: e.MAX_MEMORY_MB * 1024 * 1024,
    },
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY === 'true' || e.TRUST_PROXY === '1',
  };
}
