/** What `startWorker` returns, for both backends. */
import { pino } from 'pino';
import type { Config } from './config.js';

export interface WorkerHandle {
  readonly kind: 'redis' | 'embedded';
  /** Simulations running in this worker right now. */
  readonly running: number;
  /**
   * Stops taking jobs; running ones get `graceMs` (default SHUTDOWN_GRACE_MS) to finish, then are
   * stopped and recorded as failed (`worker_shutdown`), or put back in the queue when JOB_RETRIES=1
   * (Redis mode only). Resolves once no job of this worker is left `running`.
   */
  close(graceMs?: number): Promise<void>;
}

/** The subset of a pino logger the worker uses. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of the backends and workers. */
export interface WorkerOptions {
  /** Where logs go (a pino logger fits); default: a pino logger at LOG_LEVEL on stdout. */
  logger?: Logger;
  /** The simulation thread's code; default `dist/sim-thread.js` next to the worker's modules. */
  threadUrl?: URL;
}

/** The logger used when none is given: pino on stdout, at LOG_LEVEL. */
export function defaultLogger(config: Config): Logger {
  return pino({ name: 'volley-worker', level: config.logLevel });
}
