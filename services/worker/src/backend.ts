/**
 * The seam between the API and the workers. Two implementations pass one contract suite:
 * Redis (BullMQ queue + a Redis Stream per job + compact results with a TTL), and the
 * embedded one (in-process queue, event log and result store) used when REDIS_URL is unset.
 * The API holds no per-job state in memory: everything it serves comes through this.
 */
import type { NetworkSize, Results, StreamEvent } from '@volley/sim';

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface JobError {
  code: string;
  message: string;
}

export interface JobRecord {
  id: string;
  /** Who submitted it: the API key's id, or `anonymous` in open (local) mode. */
  owner: string;
  name?: string;
  status: JobStatus;
  /** ISO-8601 timestamps. */
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  progress: { t: number; fraction: number };
  seed: number;
  size: NetworkSize;
  error?: JobError;
  stats?: Results['stats'];
}

/** One entry of a job's event log, as sent on the WebSocket. `seq` starts at 1 and has no gaps. */
export type StreamMessage =
  | ({ seq: number } & StreamEvent)
  | { seq: number; type: 'status'; status: JobStatus; error?: JobError }
  | { seq: number; type: 'done'; status: 'completed'; stats: Results['stats'] }
  | { seq: number; type: 'error'; status: 'failed' | 'cancelled'; error: JobError };

export interface SubmitRequest {
  id: string;
  owner: string;
  name?: string;
  /** The validated spec with its seed filled in (so a retry reproduces the same run). */
  spec: unknown;
  seed: number;
  size: NetworkSize;
}

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page, absent on the last page. */
  next?: string;
}

export interface Backend {
  readonly kind: 'redis' | 'embedded';
  submit(req: SubmitRequest): Promise<JobRecord>;
  get(id: string): Promise<JobRecord | null>;
  /** The owner's jobs, newest first. */
  list(owner: string, opts: { limit: number; cursor?: string }): Promise<Page<JobRecord>>;
  /** Queued + running jobs of this owner (for the per-key cap). */
  countActive(owner: string): Promise<number>;
  /** Cancels a queued or running job; the running thread stops within a second. */
  cancel(id: string): Promise<JobRecord | null>;
  /** Deletes a finished job's record, log and results. */
  remove(id: string): Promise<boolean>;
  /**
   * Entries with seq >= from, at most `max`, waiting up to `blockMs` for the first one when none is
   * there yet. An empty array after the wait means "nothing new yet".
   */
  readEvents(id: string, from: number, max: number, blockMs: number): Promise<StreamMessage[]>;
  getResults(id: string): Promise<Results | null>;
  /** Liveness of the backing store (Redis PING for the Redis backend). */
  ready(): Promise<boolean>;
  /** Queue depth and jobs by state, for /metrics. */
  counts(): Promise<Record<JobStatus, number>>;
  close(): Promise<void>;
}
