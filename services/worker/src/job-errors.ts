/**
 * Codes a job can end with (`JobRecord.error.code`, and the final `error` message of its event log).
 * One table, so the API and clients can switch on them.
 */
import type { JobError } from './backend.js';

export const JOB_ERROR_CODES = {
  /** The user cancelled it. */
  cancelled: 'cancelled',
  /** The spec did not compile in the worker (the API should have refused it). */
  invalid_spec: 'invalid_spec',
  /** The run exceeded JOB_WALL_LIMIT_S of wall-clock time. */
  time_limit: 'time_limit',
  /** The run would have written more than STREAM_MAX_ENTRIES entries to its event log. */
  stream_limit: 'stream_limit',
  /** The worker process died (killed, crashed, lost Redis) while running it. */
  worker_lost: 'worker_lost',
  /** The worker shut down and the run did not finish within the grace period. */
  worker_shutdown: 'worker_shutdown',
  /** The simulator threw: a bug, reported with its message. */
  internal_error: 'internal_error',
} as const;

export type JobErrorCode = keyof typeof JOB_ERROR_CODES;

export function jobError(code: JobErrorCode, message: string): JobError {
  return { code, message };
}
