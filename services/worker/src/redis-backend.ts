/**
 * The API side of Redis mode: enqueues jobs on BullMQ and serves records, event logs and results
 * from Redis, so any API replica can serve any job. Workers (`RedisWorker`) run the jobs.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Results } from '@volley/sim';
import type { Backend, JobRecord, JobStatus, Page, StreamMessage, SubmitRequest } from './backend.js';
import type { Config } from './config.js';
import { jobError } from './job-errors.js';
import { seededSpec } from './job-runner.js';
import { checkEvictionPolicy, isTerminal, QUEUE_NAME, RedisStore } from './redis-store.js';
import { defaultLogger, type Logger, type WorkerOptions } from './worker-handle.js';

/** What a BullMQ job carries: the id of our record, and the spec to run. */
export interface QueuedJobData {
  id: string;
  spec: unknown;
}

/** BullMQ refuses ids that are integers or contain `:`; ours are UUIDs or similar. */
const JOB_ID = /^(?!\d+$)[A-Za-z0-9_.-]{1,200}$/;

export class RedisBackend implements Backend {
  readonly kind = 'redis' as const;
  readonly #config: Config;
  readonly #redis: Redis;
  readonly #store: RedisStore;
  readonly #queue: Queue<QueuedJobData>;
  #closed = false;

  /** Connects to REDIS_URL; warns (through `logger`) when Redis may evict keys. */
  static async connect(config: Config, options: WorkerOptions = {}): Promise<RedisBackend> {
    if (config.redisUrl === undefined) throw new Error('RedisBackend: REDIS_URL is not set');
    const logger = options.logger ?? defaultLogger(config);
    const backend = new RedisBackend(config, new Redis(config.redisUrl), logger);
    await checkEvictionPolicy(backend.#redis, logger);
    return backend;
  }

  private constructor(config: Config, redis: Redis, logger: Logger) {
    this.#config = config;
    this.#redis = redis;
    this.#redis.on('error', (err: Error) => logger.warn({ err }, 'redis connection error'));
    this.#store = new RedisStore(redis, config, logger);
    this.#queue = new Queue<QueuedJobData>(QUEUE_NAME, { connection: redis, prefix: config.redisPrefix });
    this.#queue.on('error', (err: Error) => logger.warn({ err }, 'queue error'));
  }

  async submit(req: SubmitRequest): Promise<JobRecord> {
    if (!JOB_ID.test(req.id))
      throw new Error(`job id ${JSON.stringify(req.id)}: use letters, digits, _ . - (not only digits)`);
    const record = await this.#store.create(req);
    if (record === null) throw new Error(`job ${req.id} already exists`);
    try {
      await this.#queue.add(
        'simulate',
        { id: req.id, spec: seededSpec(req.spec, req.seed) },
        {
          jobId: req.id,
          attempts: this.#config.jobRetries + 1,
          removeOnComplete: { count: this.#config.keepCompleted },
          removeOnFail: { count: this.#config.keepFailed },
        },
      );
    } catch (err) {
      await this.#store.finish(req.id, null, {
        status: 'failed',
        error: jobError('internal_error', 'could not queue the job'),
      });
      throw err;
    }
    return record;
  }

  get(id: string): Promise<JobRecord | null> {
    return this.#store.get(id);
  }

  list(owner: string, opts: { limit: number; cursor?: string }): Promise<Page<JobRecord>> {
    return this.#store.list(owner, opts.limit, opts.cursor);
  }

  countActive(owner: string): Promise<number> {
    return this.#store.countActive(owner);
  }

  /**
   * Cancels at once: the record becomes `cancelled` and its log ends with the `error` message here;
   * the worker running it (in any process) is told on `P:cancel` and its thread is terminated. A
   * worker that misses the message stops at its next write, which the ended record refuses.
   */
  async cancel(id: string): Promise<JobRecord | null> {
    const record = await this.#store.get(id);
    if (record === null || isTerminal(record.status)) return record;
    await this.#store.finish(id, null, {
      status: 'cancelled',
      error: jobError('cancelled', 'cancelled by the user'),
    });
    await this.#redis.publish(this.#store.keys.cancelChannel, id);
    await this.#removeQueued(id);
    return this.#store.get(id);
  }

  async remove(id: string): Promise<boolean> {
    const removed = await this.#store.remove(id);
    if (removed === 1) await this.#removeQueued(id);
    return removed === 1;
  }

  readEvents(id: string, from: number, max: number, blockMs: number): Promise<StreamMessage[]> {
    return this.#store.readEvents(id, from, max, blockMs);
  }

  getResults(id: string): Promise<Results | null> {
    return this.#store.getResults(id);
  }

  async ready(): Promise<boolean> {
    if (this.#closed) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 1000)));
    try {
      return await Promise.race([this.#redis.ping().then((r) => r === 'PONG'), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  counts(): Promise<Record<JobStatus, number>> {
    return this.#store.counts();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#store.close();
    await this.#queue.close();
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  /** Drops the BullMQ job if no worker holds it (a running one is locked; its worker stops on its own). */
  async #removeQueued(id: string): Promise<void> {
    try {
      await this.#queue.remove(id);
    } catch {
      // Locked by a worker: it sees the cancel and finishes the BullMQ job itself.
    }
  }
}
