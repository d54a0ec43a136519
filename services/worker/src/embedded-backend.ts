/**
 * The embedded backend, used when REDIS_URL is unset: the queue, the event logs (one array per job)
 * and the results (packed and compressed, with the same TTL as in Redis) live in this process, and
 * `startWorker()` runs the jobs in a piscina pool here too. It passes the same contract suite as the
 * Redis backend, so `pnpm start` on a laptop behaves like a deployment.
 */
import { randomUUID } from 'node:crypto';
import type { Results } from '@volley/sim';
import type {
  Backend,
  JobError,
  JobRecord,
  JobStatus,
  Page,
  StreamMessage,
  SubmitRequest,
} from './backend.js';
import type { Config } from './config.js';
import { jobError } from './job-errors.js';
import {
  bodies,
  message,
  runAttempt,
  seededSpec,
  workerLostError,
  type AppendResult,
  type JobEnd,
  type JobLedger,
} from './job-runner.js';
import { unpackResults } from './results-codec.js';
import { SimPool } from './sim-pool.js';
import { defaultLogger, type Logger, type WorkerHandle, type WorkerOptions } from './worker-handle.js';

interface Entry {
  record: JobRecord;
  spec: unknown;
  /** Messages as JSON, `log[seq - 1]`. */
  log: string[];
  token: string | null;
  order: number;
  /** Set when the job finishes: record, log and results go away then. */
  expiresAt: number | null;
  packed: Uint8Array | null;
}

const isTerminal = (s: JobStatus) => s === 'completed' || s === 'failed' || s === 'cancelled';

export class EmbeddedBackend implements Backend {
  readonly kind = 'embedded' as const;
  readonly #config: Config;
  readonly #logger: Logger;
  readonly #threadUrl: URL | undefined;
  readonly #jobs = new Map<string, Entry>();
  readonly #byOwner = new Map<string, Entry[]>();
  readonly #active = new Map<string, number>();
  readonly #queue: Entry[] = [];
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #counts: Record<JobStatus, number> = {
    queued: 0,
    running: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
  };
  readonly #sweeper: NodeJS.Timeout;
  #order = 0;
  #closed = false;
  #worker: EmbeddedWorker | null = null;

  constructor(config: Config, options: WorkerOptions = {}) {
    this.#config = config;
    this.#logger = options.logger ?? defaultLogger(config);
    this.#threadUrl = options.threadUrl;
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(config.resultTtlS * 1000, 60_000));
    this.#sweeper.unref();
  }

  /** Starts running queued jobs in a pool of `concurrency` threads (once per backend). */
  startWorker(): WorkerHandle {
    if (this.#closed) throw new Error('EmbeddedBackend: closed');
    this.#worker ??= new EmbeddedWorker(
      this.#config,
      this.#ledger,
      () => this.#takeNext(),
      this.#logger,
      this.#threadUrl,
    );
    this.#worker.dispatch();
    return this.#worker;
  }

  submit(req: SubmitRequest): Promise<JobRecord> {
    if (this.#closed) return Promise.reject(new Error('EmbeddedBackend: closed'));
    if (this.#live(req.id) !== null) return Promise.reject(new Error(`job ${req.id} already exists`));
    const record: JobRecord = {
      id: req.id,
      owner: req.owner,
      status: 'queued',
      createdAt: new Date().toISOString(),
      progress: { t: 0, fraction: 0 },
      seed: req.seed,
      size: req.size,
    };
    if (req.name !== undefined) record.name = req.name;
    const entry: Entry = {
      record,
      spec: seededSpec(req.spec, req.seed),
      log: [],
      token: null,
      order: ++this.#order,
      expiresAt: null,
      packed: null,
    };
    this.#jobs.set(req.id, entry);
    const owned = this.#byOwner.get(req.owner) ?? [];
    owned.push(entry);
    this.#byOwner.set(req.owner, owned);
    this.#active.set(req.owner, (this.#active.get(req.owner) ?? 0) + 1);
    this.#counts.queued++;
    this.#queue.push(entry);
    const queued = structuredClone(record);
    this.#worker?.dispatch();
    return Promise.resolve(queued);
  }

  get(id: string): Promise<JobRecord | null> {
    const entry = this.#live(id);
    return Promise.resolve(entry === null ? null : structuredClone(entry.record));
  }

  list(owner: string, opts: { limit: number; cursor?: string }): Promise<Page<JobRecord>> {
    const before = opts.cursor === undefined ? Infinity : parseCursor(opts.cursor);
    const owned = this.#byOwner.get(owner) ?? [];
    const items: JobRecord[] = [];
    const now = Date.now();
    let last = 0;
    let k = owned.length - 1;
    for (; k >= 0 && items.length < opts.limit; k--) {
      const e = owned[k]!;
      if (e.order >= before || (e.expiresAt !== null && e.expiresAt <= now)) continue;
      items.push(structuredClone(e.record));
      last = e.order;
    }
    const more = owned
      .slice(0, k + 1)
      .some((e) => e.order < before && (e.expiresAt === null || e.expiresAt > now));
    return Promise.resolve(more ? { items, next: String(last) } : { items });
  }

  countActive(owner: string): Promise<number> {
    return Promise.resolve(this.#active.get(owner) ?? 0);
  }

  async cancel(id: string): Promise<JobRecord | null> {
    const entry = this.#live(id);
    if (entry === null) return null;
    if (!isTerminal(entry.record.status)) {
      const queued = this.#queue.indexOf(entry);
      if (queued >= 0) this.#queue.splice(queued, 1);
      await this.#ledger.finish(id, null, {
        status: 'cancelled',
        error: jobError('cancelled', 'cancelled by the user'),
      });
      this.#worker?.stop(id, 'cancelled');
    }
    return structuredClone(entry.record);
  }

  remove(id: string): Promise<boolean> {
    const entry = this.#live(id);
    if (entry === null || !isTerminal(entry.record.status)) return Promise.resolve(false);
    this.#drop(entry);
    return Promise.resolve(true);
  }

  async readEvents(id: string, from: number, max: number, blockMs: number): Promise<StreamMessage[]> {
    const start = Math.max(1, Math.floor(from)) - 1;
    const read = () => {
      const entry = this.#live(id);
      return entry === null
        ? []
        : entry.log.slice(start, start + Math.max(0, max)).map((m) => JSON.parse(m) as StreamMessage);
    };
    const first = read();
    const entry = this.#live(id);
    if (first.length > 0 || blockMs <= 0 || entry === null || isTerminal(entry.record.status) || this.#closed)
      return first;
    await this.#wait(id, blockMs);
    return read();
  }

  getResults(id: string): Promise<Results | null> {
    const entry = this.#live(id);
    return Promise.resolve(entry?.packed ? unpackResults(entry.packed) : null);
  }

  ready(): Promise<boolean> {
    return Promise.resolve(!this.#closed);
  }

  counts(): Promise<Record<JobStatus, number>> {
    return Promise.resolve({ ...this.#counts });
  }

  /** Stops the worker (running jobs fail with `worker_shutdown`) and wakes every blocked reader. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweeper);
    await this.#worker?.close(0);
    for (const id of [...this.#waiters.keys()]) this.#notify(id);
  }

  // ---- internals -------------------------------------------------------------------------------

  #live(id: string): Entry | null {
    const entry = this.#jobs.get(id);
    if (entry === undefined) return null;
    if (entry.expiresAt !== null && entry.expiresAt <= Date.now()) {
      this.#drop(entry);
      return null;
    }
    return entry;
  }

  #drop(entry: Entry): void {
    this.#jobs.delete(entry.record.id);
    const owned = this.#byOwner.get(entry.record.owner);
    const k = owned?.indexOf(entry) ?? -1;
    if (owned !== undefined && k >= 0) owned.splice(k, 1);
    if (owned?.length === 0) this.#byOwner.delete(entry.record.owner);
    this.#notify(entry.record.id);
  }

  #sweep(): void {
    const now = Date.now();
    for (const entry of this.#jobs.values())
      if (entry.expiresAt !== null && entry.expiresAt <= now) this.#drop(entry);
  }

  #takeNext(): { id: string; spec: unknown } | null {
    for (let e = this.#queue.shift(); e !== undefined; e = this.#queue.shift()) {
      if (e.record.status === 'queued' && this.#jobs.get(e.record.id) === e)
        return { id: e.record.id, spec: e.spec };
    }
    return null;
  }

  #wait(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.#waiters.get(id) ?? new Set();
      this.#waiters.set(id, set);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        set.delete(wake);
        if (set.size === 0 && this.#waiters.get(id) === set) this.#waiters.delete(id);
        resolve();
      }, ms);
      set.add(wake);
    });
  }

  #notify(id: string): void {
    const set = this.#waiters.get(id);
    if (set === undefined) return;
    this.#waiters.delete(id);
    for (const wake of set) wake();
  }

  #append(entry: Entry, body: string): void {
    entry.log.push(message(entry.log.length + 1, body));
  }

  #move(entry: Entry, to: JobStatus): void {
    this.#counts[entry.record.status]--;
    this.#counts[to]++;
    entry.record.status = to;
  }

  readonly #ledger: JobLedger = {
    start: (id, token) => {
      const entry = this.#live(id);
      if (entry === null || isTerminal(entry.record.status)) return Promise.resolve('skip' as const);
      if (entry.record.status === 'running') {
        this.#append(entry, bodies.requeued(workerLostError(true)));
        this.#move(entry, 'queued');
      }
      this.#move(entry, 'running');
      entry.token = token;
      entry.record.startedAt = new Date().toISOString();
      entry.record.progress = { t: 0, fraction: 0 };
      this.#append(entry, bodies.running());
      this.#notify(id);
      return Promise.resolve('started' as const);
    },

    append: (id, token, chunkBodies, progress) => {
      const entry = this.#live(id);
      let result: AppendResult = 'ok';
      if (entry === null || entry.record.status !== 'running' || entry.token !== token) result = 'stopped';
      else if (entry.log.length + chunkBodies.length > this.#config.streamMaxEntries - 1) result = 'limit';
      else {
        for (const body of chunkBodies) this.#append(entry, body);
        if (progress !== null) entry.record.progress = { ...progress };
        this.#notify(id);
      }
      return Promise.resolve(result);
    },

    finish: (id, token, end: JobEnd) => {
      const entry = this.#live(id);
      if (entry === null || isTerminal(entry.record.status) || (token !== null && entry.token !== token))
        return Promise.resolve(false);
      const r = entry.record;
      this.#move(entry, end.status);
      r.finishedAt = new Date().toISOString();
      if (end.status === 'completed') {
        r.stats = end.stats;
        entry.packed = end.packed;
      } else {
        r.error = end.error;
      }
      entry.token = null;
      entry.spec = null;
      entry.expiresAt = Date.now() + this.#config.resultTtlS * 1000;
      this.#append(entry, bodies.end(end));
      this.#active.set(r.owner, Math.max(0, (this.#active.get(r.owner) ?? 1) - 1));
      this.#notify(id);
      return Promise.resolve(true);
    },

    requeue: (id, token, error: JobError) => {
      const entry = this.#live(id);
      if (entry === null || entry.record.status !== 'running' || entry.token !== token)
        return Promise.resolve(false);
      this.#move(entry, 'queued');
      entry.token = null;
      entry.record.progress = { t: 0, fraction: 0 };
      this.#append(entry, bodies.requeued(error));
      this.#queue.unshift(entry);
      this.#notify(id);
      return Promise.resolve(true);
    },
  };
}

/** The embedded worker: takes queued jobs while fewer than `concurrency` run, each in a pool thread. */
class EmbeddedWorker implements WorkerHandle {
  readonly kind = 'embedded' as const;
  readonly #config: Config;
  readonly #ledger: JobLedger;
  readonly #take: () => { id: string; spec: unknown } | null;
  readonly #logger: Logger;
  readonly #pool: SimPool;
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  #closing: Promise<void> | null = null;

  constructor(
    config: Config,
    ledger: JobLedger,
    take: () => { id: string; spec: unknown } | null,
    logger: Logger,
    threadUrl: URL | undefined,
  ) {
    this.#config = config;
    this.#ledger = ledger;
    this.#take = take;
    this.#logger = logger;
    this.#pool = new SimPool(
      threadUrl === undefined ? { threads: config.concurrency } : { threads: config.concurrency, threadUrl },
    );
  }

  get running(): number {
    return this.#running.size;
  }

  dispatch(): void {
    while (this.#closing === null && this.#running.size < this.#config.concurrency) {
      const job = this.#take();
      if (job === null) return;
      const controller = new AbortController();
      const done = runAttempt(this.#ledger, this.#pool, {
        id: job.id,
        spec: job.spec,
        token: randomUUID(),
        controller,
        wallLimitMs: this.#config.jobWallLimitS * 1000,
        requeueOnShutdown: false,
        streamMaxEntries: this.#config.streamMaxEntries,
      })
        .then((outcome) => this.#logger.info({ job: job.id, outcome }, 'simulation finished'))
        .catch((err: unknown) => this.#logger.error({ job: job.id, err }, 'simulation attempt failed'))
        .finally(() => {
          this.#running.delete(job.id);
          this.dispatch();
        });
      this.#running.set(job.id, { controller, done });
    }
  }

  stop(id: string, reason: 'cancelled' | 'shutdown'): void {
    const run = this.#running.get(id);
    if (run !== undefined && !run.controller.signal.aborted) run.controller.abort(reason);
  }

  close(graceMs = this.#config.shutdownGraceMs): Promise<void> {
    this.#closing ??= (async () => {
      const all = () => Promise.all([...this.#running.values()].map((r) => r.done));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all(), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      for (const id of this.#running.keys()) this.stop(id, 'shutdown');
      await all();
      await this.#pool.close();
    })();
    return this.#closing;
  }
}

function parseCursor(cursor: string): number {
  // A cursor we did not make yields an empty page rather than an error.
  return /^\d{1,15}$/.test(cursor) ? Number(cursor) : 0;
}
