/**
 * Runs one job attempt, the same way for both backends: mark it running, stream its chunks into the
 * event log, then record how it ended. The `JobLedger` is the storage half (Redis scripts or the
 * embedded maps); every write to it is fenced by the attempt's token, so an attempt that lost its job
 * (cancelled, or taken over after a stall) can no longer write, and learns it must stop.
 */
import type { RunStats } from '@volley/sim';
import type { JobError } from './backend.js';
import { jobError } from './job-errors.js';
import type { SimPool } from './sim-pool.js';

export type JobEnd =
  | { status: 'completed'; stats: RunStats; packed: Uint8Array }
  | { status: 'failed' | 'cancelled'; error: JobError };

export type AppendResult = 'ok' | 'limit' | 'stopped';

/** Storage operations a job attempt needs (internal). */
export interface JobLedger {
  /**
   * Marks the job running under `token` and logs `{type:'status', status:'running'}`. If a previous
   * attempt is still marked running (its worker died), first logs `status: queued` with a
   * `worker_lost` error. `skip`: the job is finished (e.g. cancelled while queued) or gone.
   */
  start(id: string, token: string): Promise<'started' | 'skip'>;
  /** Appends events; `limit` (nothing written) when the log would exceed its bound, `stopped` when this attempt no longer owns the job. */
  append(
    id: string,
    token: string,
    bodies: string[],
    progress: { t: number; fraction: number } | null,
  ): Promise<AppendResult>;
  /**
   * Ends the job and logs `done` or `error`. With a token, only that attempt may end it; with null,
   * any unfinished job (cancel, stalled-job handling). False when it was already finished.
   */
  finish(id: string, token: string | null, end: JobEnd): Promise<boolean>;
  /** Puts a running attempt's job back in the queue, logging `status: queued` with `error`. */
  requeue(id: string, token: string, error: JobError): Promise<boolean>;
}

/** Why a run's AbortController was aborted. */
export type StopReason = 'cancelled' | 'shutdown' | 'stopped' | 'stream_limit' | 'time_limit';

export interface Attempt {
  id: string;
  spec: unknown;
  token: string;
  /** Aborted with a `StopReason` to stop the run. */
  controller: AbortController;
  wallLimitMs: number;
  /** On shutdown: put the job back in the queue (true) or fail it (false). */
  requeueOnShutdown: boolean;
  streamMaxEntries: number;
}

export type AttemptOutcome = 'skipped' | 'completed' | 'failed' | 'cancelled' | 'requeued' | 'stopped';

/** Runs one attempt to its end; never throws for the job's own failures (only if the ledger is unreachable). */
export async function runAttempt(ledger: JobLedger, pool: SimPool, a: Attempt): Promise<AttemptOutcome> {
  if ((await ledger.start(a.id, a.token)) === 'skip') return 'skipped';
  const stop = (reason: StopReason) => {
    if (!a.controller.signal.aborted) a.controller.abort(reason);
  };
  // setTimeout fires at once past 2^31-1 ms (~24.8 days); longer limits are that in practice.
  const timer = setTimeout(() => stop('time_limit'), Math.min(a.wallLimitMs, 2 ** 31 - 1));
  let outcome;
  try {
    outcome = await pool.simulate({
      id: a.id,
      spec: a.spec,
      signal: a.controller.signal,
      write: async (bodies, progress) => {
        const r = await ledger.append(a.id, a.token, bodies, progress);
        if (r === 'limit') stop('stream_limit');
        else if (r === 'stopped') stop('stopped');
      },
    });
  } finally {
    clearTimeout(timer);
  }

  const fail = async (code: Parameters<typeof jobError>[0], message: string) => {
    await ledger.finish(a.id, a.token, { status: 'failed', error: jobError(code, message) });
    return 'failed' as const;
  };
  switch (outcome.kind) {
    case 'completed':
      await ledger.finish(a.id, a.token, {
        status: 'completed',
        stats: outcome.stats,
        packed: outcome.packed,
      });
      return 'completed';
    case 'invalid': {
      const first = outcome.diagnostics.slice(0, 3).map((d) => `${d.path}: ${d.message}`);
      return fail('invalid_spec', `the spec does not compile: ${first.join('; ')}`);
    }
    case 'crashed':
      return fail('internal_error', `the simulation failed: ${outcome.error.message}`);
    case 'aborted':
      switch (outcome.reason as StopReason) {
        case 'time_limit':
          return fail('time_limit', `the run exceeded the wall-clock limit of ${a.wallLimitMs / 1000} s`);
        case 'stream_limit':
          return fail(
            'stream_limit',
            `the run would write more than ${a.streamMaxEntries} entries to its event log; stream fewer monitors (\`"stream": false\`) or shorten the run`,
          );
        case 'cancelled':
          await ledger.finish(a.id, a.token, {
            status: 'cancelled',
            error: jobError('cancelled', 'cancelled by the user'),
          });
          return 'cancelled';
        case 'shutdown': {
          const error = jobError('worker_shutdown', 'the worker shut down before the run finished');
          if (a.requeueOnShutdown) {
            await ledger.requeue(a.id, a.token, { ...error, message: `${error.message}; retrying` });
            return 'requeued';
          }
          await ledger.finish(a.id, a.token, { status: 'failed', error });
          return 'failed';
        }
        default:
          return 'stopped';
      }
  }
}

/** The event bodies the ledgers write themselves (JSON without the opening `{`; see `ChunkMessage`). */
export const bodies = {
  running: () => '"type":"status","status":"running"}',
  requeued: (error: JobError) => `"type":"status","status":"queued","error":${JSON.stringify(error)}}`,
  end: (end: JobEnd) =>
    end.status === 'completed'
      ? `"type":"done","status":"completed","stats":${JSON.stringify(end.stats)}}`
      : `"type":"error","status":"${end.status}","error":${JSON.stringify(end.error)}}`,
};

/** A message of the log from its seq and body. */
export const message = (seq: number, body: string) => `{"seq":${seq},${body}`;

export const workerLostError = (retrying: boolean): JobError =>
  jobError('worker_lost', `the worker running this job stopped responding${retrying ? '; retrying' : ''}`);

/**
 * The spec a worker runs: the submitted one with `seed` set to the request's, so the results (and a
 * retry) use exactly the seed the record reports, even if the caller left it out of the spec.
 */
export function seededSpec(spec: unknown, seed: number): unknown {
  return spec !== null && typeof spec === 'object' && !Array.isArray(spec) ? { ...spec, seed } : spec;
}
