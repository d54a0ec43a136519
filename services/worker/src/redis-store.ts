/**
 * Job records, event logs and results in Redis, shared by the API side (`RedisBackend`) and the
 * worker side (`RedisWorker`). Every key starts with REDIS_PREFIX:
 *
 * - `P:job:ID` hash — the record (see redis-scripts.ts); `P:events:ID` stream — the event log, entry
 *   ids `${seq}-1`; `P:results:ID` string — packed results. All three expire RESULT_TTL_S after the
 *   job finishes.
 * - `P:owner:OWNER` sorted set — the owner's jobs by submission order (expired ones are dropped
 *   lazily when listed); `P:active:OWNER` — queued + running count; `P:order` — submission counter;
 *   `P:counts` hash — queued/running now, completed/failed/cancelled since the store began.
 * - channels `P:notify` (a job's log grew; message = id) and `P:cancel` (stop this job; message = id).
 * - BullMQ's own keys, `P:sims:*`.
 */
import type { Redis } from 'ioredis';
import type { Results } from '@volley/sim';
import type { JobError, JobRecord, JobStatus, Page, StreamMessage, SubmitRequest } from './backend.js';
import type { Config } from './config.js';
import { bodies, workerLostError, type AppendResult, type JobEnd, type JobLedger } from './job-runner.js';
import type { Logger } from './worker-handle.js';
import { unpackResults } from './results-codec.js';
import { SCRIPTS, type ScriptCommands } from './redis-scripts.js';

/** The BullMQ queue's name (its keys are `P:sims:*`). */
export const QUEUE_NAME = 'sims';

export const JOB_STATES: readonly JobStatus[] = ['queued', 'running', 'completed', 'failed', 'cancelled'];
export const isTerminal = (s: JobStatus) => s === 'completed' || s === 'failed' || s === 'cancelled';

export function redisKeys(prefix: string) {
  return {
    job: (id: string) => `${prefix}:job:${id}`,
    events: (id: string) => `${prefix}:events:${id}`,
    results: (id: string) => `${prefix}:results:${id}`,
    owner: (owner: string) => `${prefix}:owner:${owner}`,
    active: (owner: string) => `${prefix}:active:${owner}`,
    order: `${prefix}:order`,
    counts: `${prefix}:counts`,
    notifyChannel: `${prefix}:notify`,
    cancelChannel: `${prefix}:cancel`,
  };
}

/** Adds the scripts to a connection (idempotent) and returns it typed with them. */
export function withScripts(redis: Redis): Redis & ScriptCommands {
  for (const [name, def] of Object.entries(SCRIPTS)) {
    if (!(name in redis)) redis.defineCommand(name, def);
  }
  return redis as Redis & ScriptCommands;
}

type FixedFields = Pick<JobRecord, 'id' | 'owner' | 'name' | 'createdAt' | 'seed' | 'size'>;

function toRecord(h: Record<string, string>): JobRecord | null {
  if (h.rec === undefined || h.status === undefined) return null;
  const fixed = JSON.parse(h.rec) as FixedFields;
  const record: JobRecord = {
    ...fixed,
    status: h.status as JobStatus,
    progress: { t: Number(h.t ?? 0), fraction: Number(h.fraction ?? 0) },
  };
  if (h.startedAt !== undefined) record.startedAt = h.startedAt;
  if (h.finishedAt !== undefined) record.finishedAt = h.finishedAt;
  if (h.error !== undefined) record.error = JSON.parse(h.error) as JobError;
  if (h.stats !== undefined) record.stats = JSON.parse(h.stats) as NonNullable<JobRecord['stats']>;
  return record;
}

/** Wakes blocked `readEvents` calls when a job's log grows; one subscriber connection per process. */
class LogNotifier {
  readonly #sub: Redis;
  readonly #channel: string;
  readonly #waiters = new Map<string, Set<() => void>>();
  #subscribed: Promise<unknown> | null = null;

  constructor(redis: Redis, channel: string, logger: Logger) {
    this.#sub = redis.duplicate({ lazyConnect: true });
    this.#channel = channel;
    this.#sub.on('message', (_channel: string, id: string) => this.#wake(id));
    this.#sub.on('error', (err: Error) => logger.warn({ err }, 'redis subscriber error'));
  }

  /** Resolves on the next notification for `id` or after `ms`; `cancel` stops waiting early. */
  wait(id: string, ms: number): { done: Promise<void>; cancel: () => void } {
    this.#subscribed ??= this.#sub.subscribe(this.#channel).catch((err: unknown) => {
      this.#subscribed = null;
      throw err;
    });
    let wake!: () => void;
    const done = new Promise<void>((resolve) => (wake = resolve));
    const set = this.#waiters.get(id) ?? new Set();
    this.#waiters.set(id, set);
    const timer = setTimeout(() => cancel(), ms);
    const cancel = () => {
      clearTimeout(timer);
      set.delete(wake);
      if (set.size === 0 && this.#waiters.get(id) === set) this.#waiters.delete(id);
      wake();
    };
    set.add(wake);
    void done.then(() => clearTimeout(timer));
    return { done, cancel };
  }

  /** Resolves once subscribed (so a notification sent after it is not missed). */
  async ready(): Promise<void> {
    this.#subscribed ??= this.#sub.subscribe(this.#channel);
    await this.#subscribed;
  }

  #wake(id: string): void {
    const set = this.#waiters.get(id);
    if (set === undefined) return;
    this.#waiters.delete(id);
    for (const wake of set) wake();
  }

  close(): void {
    for (const set of this.#waiters.values()) for (const wake of set) wake();
    this.#waiters.clear();
    this.#sub.disconnect();
  }
}

export class RedisStore implements JobLedger {
  readonly redis: Redis & ScriptCommands;
  readonly keys: ReturnType<typeof redisKeys>;
  readonly #config: Config;
  readonly #notifier: LogNotifier;

  constructor(redis: Redis, config: Config, logger: Logger) {
    this.redis = withScripts(redis);
    this.keys = redisKeys(config.redisPrefix);
    this.#config = config;
    this.#notifier = new LogNotifier(redis, this.keys.notifyChannel, logger);
  }

  // ---- API side ---------------------------------------------------------------------------------

  /** Creates the record; false when the id is taken. */
  async create(req: SubmitRequest): Promise<JobRecord | null> {
    const k = this.keys;
    const fixed: FixedFields = {
      id: req.id,
      owner: req.owner,
      createdAt: new Date().toISOString(),
      seed: req.seed,
      size: req.size,
    };
    if (req.name !== undefined) fixed.name = req.name;
    const order = await this.redis.volleySubmit(
      k.job(req.id),
      k.owner(req.owner),
      k.active(req.owner),
      k.order,
      k.counts,
      JSON.stringify(fixed),
      req.owner,
      req.id,
    );
    if (order === 0) return null;
    return { ...fixed, status: 'queued', progress: { t: 0, fraction: 0 } };
  }

  async get(id: string): Promise<JobRecord | null> {
    return toRecord(await this.redis.hgetall(this.keys.job(id)));
  }

  async list(owner: string, limit: number, cursor: string | undefined): Promise<Page<JobRecord>> {
    const set = this.keys.owner(owner);
    if (cursor !== undefined && !/^\d{1,15}$/.test(cursor)) return { items: [] };
    let max = cursor === undefined ? '+inf' : `(${cursor}`;
    const items: JobRecord[] = [];
    while (items.length < limit) {
      const want = limit - items.length;
      const rows = await this.redis.zrevrangebyscore(set, max, '-inf', 'WITHSCORES', 'LIMIT', 0, want + 1);
      const page: { id: string; score: string }[] = [];
      for (let k = 0; k + 1 < rows.length && page.length < want; k += 2)
        page.push({ id: rows[k]!, score: rows[k + 1]! });
      if (page.length === 0) break;
      const pipe = this.redis.pipeline();
      for (const { id } of page) pipe.hgetall(this.keys.job(id));
      const replies = (await pipe.exec()) ?? [];
      const stale: string[] = [];
      page.forEach(({ id }, k) => {
        const [err, h] = replies[k] ?? [null, {}];
        const record = err === null ? toRecord(h as Record<string, string>) : null;
        if (record === null) stale.push(id);
        else items.push(record);
      });
      // Records expire RESULT_TTL_S after finishing; their listing entries go when first seen missing.
      if (stale.length > 0) await this.redis.zrem(set, ...stale);
      max = `(${page[page.length - 1]!.score}`;
      if (rows.length / 2 <= want) return { items };
    }
    return { items, next: max.slice(1) };
  }

  async countActive(owner: string): Promise<number> {
    return Number((await this.redis.get(this.keys.active(owner))) ?? 0);
  }

  async readEvents(id: string, from: number, max: number, blockMs: number): Promise<StreamMessage[]> {
    const start = `${Math.max(1, Math.floor(from))}-0`;
    const count = Math.max(1, Math.floor(max));
    const read = async () => {
      const entries = await this.redis.xrange(this.keys.events(id), start, '+', 'COUNT', count);
      return entries.map(([, fields]) => JSON.parse(fields[1] ?? 'null') as StreamMessage);
    };
    if (blockMs <= 0) return read();
    // Wait first, then read, so an append between the read and the wait cannot be missed.
    const waiting = this.#notifier.wait(id, blockMs);
    try {
      await this.#notifier.ready();
      const first = await read();
      if (first.length > 0) return first;
      const status = await this.redis.hget(this.keys.job(id), 'status');
      if (status === null || isTerminal(status as JobStatus)) return first;
      await waiting.done;
      return await read();
    } finally {
      waiting.cancel();
    }
  }

  async getResults(id: string): Promise<Results | null> {
    const packed = await this.redis.getBuffer(this.keys.results(id));
    return packed === null ? null : unpackResults(packed);
  }

  async counts(): Promise<Record<JobStatus, number>> {
    const h = await this.redis.hgetall(this.keys.counts);
    const out = {} as Record<JobStatus, number>;
    for (const s of JOB_STATES) out[s] = Math.max(0, Number(h[s] ?? 0));
    return out;
  }

  /** 1 removed, 0 unknown, -1 not finished. */
  async remove(id: string): Promise<number> {
    const owner = await this.redis.hget(this.keys.job(id), 'owner');
    if (owner === null) return 0;
    const k = this.keys;
    return this.redis.volleyRemove(k.job(id), k.events(id), k.results(id), k.owner(owner), id);
  }

  // ---- ledger (worker side, and cancel / lost-worker handling) ----------------------------------

  async start(id: string, token: string): Promise<'started' | 'skip'> {
    const k = this.keys;
    return this.redis.volleyStart(
      k.job(id),
      k.events(id),
      k.counts,
      token,
      new Date().toISOString(),
      bodies.requeued(workerLostError(true)),
      bodies.running(),
      k.notifyChannel,
      id,
    );
  }

  async append(
    id: string,
    token: string,
    chunkBodies: string[],
    progress: { t: number; fraction: number } | null,
  ): Promise<AppendResult> {
    const k = this.keys;
    const r = await this.redis.volleyAppend(
      k.job(id),
      k.events(id),
      token,
      this.#config.streamMaxEntries,
      progress === null ? '' : String(progress.t),
      progress === null ? '' : String(progress.fraction),
      k.notifyChannel,
      id,
      ...chunkBodies,
    );
    return r === -1 ? 'limit' : r === -2 ? 'stopped' : 'ok';
  }

  async finish(id: string, token: string | null, end: JobEnd): Promise<boolean> {
    const owner = await this.redis.hget(this.keys.job(id), 'owner');
    if (owner === null) return false;
    const k = this.keys;
    const r = await this.redis.volleyFinish(
      k.job(id),
      k.events(id),
      k.results(id),
      k.active(owner),
      k.counts,
      token ?? '',
      end.status,
      new Date().toISOString(),
      end.status === 'completed' ? '' : JSON.stringify(end.error),
      end.status === 'completed' ? JSON.stringify(end.stats) : '',
      bodies.end(end),
      this.#config.resultTtlS,
      k.notifyChannel,
      id,
      end.status === 'completed'
        ? Buffer.from(end.packed.buffer, end.packed.byteOffset, end.packed.byteLength)
        : '',
    );
    return r === 1;
  }

  async requeue(id: string, token: string, error: JobError): Promise<boolean> {
    const k = this.keys;
    return (
      (await this.redis.volleyRequeue(
        k.job(id),
        k.events(id),
        k.counts,
        token,
        bodies.requeued(error),
        k.notifyChannel,
        id,
      )) === 1
    );
  }

  close(): void {
    this.#notifier.close();
  }
}

/** Warns when Redis may evict keys: BullMQ (and our logs) need `maxmemory-policy noeviction`. */
export async function checkEvictionPolicy(redis: Redis, logger: Logger): Promise<void> {
  let policy: string | undefined;
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    policy = reply[1];
  } catch {
    // CONFIG is often disabled on managed Redis; INFO still tells.
    const info = await redis.info('memory').catch(() => '');
    policy = /maxmemory_policy:(\S+)/.exec(info)?.[1];
  }
  if (policy !== undefined && policy !== 'noeviction') {
    logger.warn(
      { policy },
      `Redis maxmemory-policy is "${policy}"; BullMQ and Volley's event logs need "noeviction", or jobs and logs may silently disappear`,
    );
  }
}
