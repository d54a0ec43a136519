/**
 * The worker side of Redis mode: a BullMQ Worker (concurrency N) feeding a piscina pool of N threads.
 *
 * - Cancel: `RedisBackend.cancel` ends the record and publishes the id on `P:cancel`; the worker
 *   holding the job aborts its run, and piscina terminates the thread. Without the message the run
 *   still stops at its next write, which the ended record refuses.
 * - Wall-clock limit: a timer aborts the run (`time_limit`).
 * - Crash (kill -9): the job's BullMQ lock expires, another worker's stalled check moves it back to
 *   wait, either for a retry (JOB_RETRIES=1: the retry's start logs `status: queued` + `worker_lost`
 *   and runs it again) or marked to fail, which this class turns into our `failed` + `worker_lost`.
 * - Shutdown: `close()` stops taking jobs, lets running ones finish for the grace period, then stops
 *   them: failed `worker_shutdown`, or back to the queue when JOB_RETRIES=1.
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Config } from './config.js';
import { jobError } from './job-errors.js';
import { runAttempt, workerLostError } from './job-runner.js';
import type { QueuedJobData } from './redis-backend.js';
import { checkEvictionPolicy, QUEUE_NAME, RedisStore } from './redis-store.js';
import { SimPool } from './sim-pool.js';
import { defaultLogger, type Logger, type WorkerHandle, type WorkerOptions } from './worker-handle.js';

/** Thrown to BullMQ so it puts a job stopped by shutdown back in the queue (its `attempts` allow one retry). */
class RequeueError extends Error {
  override readonly name = 'RequeueError';
}

/** BullMQ's reasons for failing a job whose worker vanished. */
const LOST = /stalled|started more than allowable limit/;

export class RedisWorker implements WorkerHandle {
  readonly kind = 'redis' as const;
  readonly #config: Config;
  readonly #logger: Logger;
  readonly #redis: Redis;
  readonly #sub: Redis;
  readonly #store: RedisStore;
  readonly #pool: SimPool;
  readonly #queue: Queue<QueuedJobData>;
  readonly #worker: Worker<QueuedJobData>;
  readonly #running = new Map<string, AbortController>();
  readonly #handlers = new Set<Promise<unknown>>();
  #closing: Promise<void> | null = null;

  /** Connects, checks Redis's eviction policy and starts taking jobs. */
  static async start(config: Config, options: WorkerOptions = {}): Promise<RedisWorker> {
    if (config.redisUrl === undefined) throw new Error('RedisWorker: REDIS_URL is not set');
    const logger = options.logger ?? defaultLogger(config);
    // BullMQ workers block on Redis; ioredis must retry their commands forever rather than fail them.
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    await checkEvictionPolicy(redis, logger);
    const worker = new RedisWorker(config, redis, logger, options.threadUrl);
    await worker.#sub.subscribe(worker.#store.keys.cancelChannel);
    await worker.#worker.waitUntilReady();
    return worker;
  }

  private constructor(config: Config, redis: Redis, logger: Logger, threadUrl: URL | undefined) {
    this.#config = config;
    this.#logger = logger;
    this.#redis = redis;
    redis.on('error', (err: Error) => logger.warn({ err }, 'redis connection error'));
    this.#store = new RedisStore(redis, config, logger);
    this.#pool = new SimPool(
      threadUrl === undefined ? { threads: config.concurrency } : { threads: config.concurrency, threadUrl },
    );
    this.#queue = new Queue<QueuedJobData>(QUEUE_NAME, { connection: redis, prefix: config.redisPrefix });
    this.#queue.on('error', (err: Error) => logger.warn({ err }, 'queue error'));

    this.#sub = redis.duplicate();
    this.#sub.on('error', (err: Error) => logger.warn({ err }, 'redis subscriber error'));
    this.#sub.on('message', (_channel: string, id: string) => this.#stop(id, 'cancelled'));

    this.#worker = new Worker<QueuedJobData>(QUEUE_NAME, (job) => this.#process(job), {
      connection: redis,
      prefix: config.redisPrefix,
      concurrency: config.concurrency,
      stalledInterval: config.stalledIntervalMs,
      lockDuration: config.lockDurationMs,
      // A job whose worker died goes back to wait JOB_RETRIES times, then fails.
      maxStalledCount: config.jobRetries,
      maxStartedAttempts: config.jobRetries + 1,
      removeOnComplete: { count: config.keepCompleted },
      removeOnFail: { count: config.keepFailed },
    });
    this.#worker.on('error', (err: Error) => logger.warn({ err }, 'worker error'));
    this.#worker.on('failed', (job, err) => this.#track(this.#onFailed(job, err)));
    this.#worker.on('stalled', (jobId) => this.#track(this.#onStalled(jobId)));
  }

  get running(): number {
    return this.#running.size;
  }

  close(graceMs = this.#config.shutdownGraceMs): Promise<void> {
    this.#closing ??= (async () => {
      const closed = this.#worker.close();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      for (const id of this.#running.keys()) this.#stop(id, 'shutdown');
      await closed;
      await Promise.allSettled([...this.#handlers]);
      await this.#pool.close();
      this.#store.close();
      this.#sub.disconnect();
      await this.#queue.close();
      await this.#redis.quit().catch(() => this.#redis.disconnect());
    })();
    return this.#closing;
  }

  async #process(job: Job<QueuedJobData>): Promise<void> {
    const { id, spec } = job.data;
    const controller = new AbortController();
    this.#running.set(id, controller);
    try {
      const outcome = await runAttempt(this.#store, this.#pool, {
        id,
        spec,
        token: randomUUID(),
        controller,
        wallLimitMs: this.#config.jobWallLimitS * 1000,
        requeueOnShutdown: job.attemptsStarted <= this.#config.jobRetries,
        streamMaxEntries: this.#config.streamMaxEntries,
      });
      this.#logger.info({ job: id, outcome }, 'simulation finished');
      if (outcome === 'requeued')
        throw new RequeueError('the worker shut down; the job goes back to the queue');
    } finally {
      this.#running.delete(id);
    }
  }

  #stop(id: string, reason: 'cancelled' | 'shutdown'): void {
    const controller = this.#running.get(id);
    if (controller !== undefined && !controller.signal.aborted) controller.abort(reason);
  }

  /** BullMQ failed a job: ours never throw but to be requeued, so it is a lost worker or a retry that cannot happen. */
  async #onFailed(job: Job<QueuedJobData> | undefined, err: Error): Promise<void> {
    if (job === undefined) return;
    if (err.name === 'RequeueError' && job.attemptsMade < (job.opts.attempts ?? 1)) return;
    const error =
      err.name === 'RequeueError'
        ? jobError('worker_shutdown', 'the worker shut down before the run finished')
        : LOST.test(err.message)
          ? workerLostError(false)
          : jobError('internal_error', err.message);
    if (await this.#store.finish(job.data.id, null, { status: 'failed', error })) {
      this.#logger.warn({ job: job.data.id, reason: err.message }, 'simulation failed in the queue');
    }
  }

  /** A stalled job past its retries is marked to fail when next taken; record it as failed now. */
  async #onStalled(jobId: string): Promise<void> {
    const job = await this.#queue.getJob(jobId);
    if (job?.deferredFailure === undefined || job.deferredFailure === null) return;
    if (await this.#store.finish(job.data.id, null, { status: 'failed', error: workerLostError(false) })) {
      this.#logger.warn({ job: job.data.id }, 'simulation lost with its worker');
    }
  }

  #track(p: Promise<void>): void {
    const tracked = p.catch((err: unknown) => this.#logger.error({ err }, 'job failure handling failed'));
    this.#handlers.add(tracked);
    void tracked.finally(() => this.#handlers.delete(tracked));
  }
}
