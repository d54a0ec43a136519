/**
 * Real processes for the service's whole-system tests: the built API (`services/api/dist/main.js`)
 * and workers (`services/worker/dist/main.js`) as children, on the shared Redis under a prefix of
 * their own that is deleted afterwards. Run `pnpm build` first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const REDIS_URL = process.env.VOLLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The developer's shell must not configure the processes under test. */
const SCRUB =
  /^(REDIS_|API_KEYS$|VOLLEY_|PORT$|HOST$|RATE_LIMIT_|MAX_|WORKER_|JOB_|LOG_LEVEL$|STALLED_|LOCK_|SHUTDOWN_|RESULT_TTL|STREAM_MAX|KEEP_|BODY_LIMIT|TRUST_PROXY)/;

export interface Proc {
  readonly child: ChildProcess;
  /** Everything the process wrote, stdout and stderr. */
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  kill9(): Promise<void>;
}

export function startProcess(script: string, env: Record<string, string>): Proc {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SCRUB.test(k)) base[k] = v;
  const child = spawn(process.execPath, [script], {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const l of listeners) l();
    }),
  );
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    output: () => out,
    exited,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out);
          if (match !== null) return done(() => resolve(match));
          if (!isRunning())
            return done(() => reject(new Error(`${script} exited before ${String(pattern)}:\n${out}`)));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`${script}: no ${String(pattern)} in ${timeoutMs} ms:\n${out}`))),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async stop(graceMs = 15_000) {
      if (!isRunning()) return;
      const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(force);
    },
    async kill9() {
      if (!isRunning()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface ApiProcess extends Proc {
  url: string;
  ws: string;
}

export async function startApi(env: Record<string, string>): Promise<ApiProcess> {
  const proc = startProcess('services/api/dist/main.js', {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...env,
  });
  const [, port] = await proc.waitFor(/Server listening at http:\/\/127\.0\.0\.1:(\d+)/);
  await proc.waitFor(/volley api ready/);
  return Object.assign(proc, { url: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}` });
}

export async function startWorker(env: Record<string, string>): Promise<Proc> {
  const proc = startProcess('services/worker/dist/main.js', { LOG_LEVEL: 'info', ...env });
  await proc.waitFor(/volley worker ready/);
  return proc;
}

/** ioredis comes from the services' dependencies: the test root has no Redis client of its own. */
interface RedisClient {
  ping(): Promise<string>;
  scan(cursor: string, ...args: (string | number)[]): Promise<[string, string[]]>;
  unlink(...keys: string[]): Promise<number>;
  quit(): Promise<unknown>;
  disconnect(): void;
}

function redisClient(): RedisClient {
  const require = createRequire(new URL('../services/api/package.json', import.meta.url));
  const { Redis } = require('ioredis') as { Redis: new (url: string, opts: object) => RedisClient };
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: () => null });
}

export async function redisAvailable(): Promise<boolean> {
  const r = redisClient();
  try {
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

export const uniquePrefix = () => `volley-service-test-${randomBytes(6).toString('hex')}`;

/** Every key under `prefix:`; the Redis is shared, so nothing else is looked at or touched. */
export async function redisKeys(prefix: string, remove = false): Promise<number> {
  const r = redisClient();
  let n = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      n += keys.length;
      if (remove && keys.length > 0) await r.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await r.quit();
  }
  return n;
}

export interface Message {
  seq: number;
  type: string;
  status?: string;
  monitor?: string;
  i?: number[];
  t?: number[];
  fraction?: number;
  error?: { code: string; message: string; status?: number };
  [key: string]: unknown;
}

export interface Collected {
  messages: Message[];
  code: number;
  reason: string;
}

/** A WebSocket client that keeps every message until the server closes; `onMessage` may act on them. */
export function streamOf(
  url: string,
  headers: Record<string, string> = {},
  onMessage?: (m: Message) => void,
): Promise<Collected> {
  const ws = new WebSocket(url, { headers });
  const messages: Message[] = [];
  ws.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString('utf8')) as Message;
    messages.push(m);
    onMessage?.(m);
  });
  return new Promise((resolve, reject) => {
    ws.on('error', reject);
    ws.on('close', (code, reason) => resolve({ messages, code, reason: reason.toString() }));
  });
}

export function spikesOf(messages: Message[], monitor: string): { i: number[]; t: number[] } {
  const i: number[] = [];
  const t: number[] = [];
  for (const m of messages) {
    if (m.type !== 'spikes' || m.monitor !== monitor) continue;
    i.push(...(m.i ?? []));
    t.push(...(m.t ?? []));
  }
  return { i, t };
}
