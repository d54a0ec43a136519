/**
 * A piscina pool of simulation threads. `simulate` runs one job in a thread and hands its events to
 * `write` in order, one batch at a time. Aborting `signal` (user cancel, the wall-clock limit,
 * shutdown) first asks the thread to stop after its current chunk through a shared flag; only a
 * thread that has not returned within STOP_GRACE_MS (deep in building a large network) is
 * terminated. Terminating a thread that is still loading its modules can crash Node 20 itself
 * ("v8::Module::IsGraphAsync must be used on an instantiated module"), so termination is the
 * fallback, never the first move.
 */
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Diagnostic, RunStats } from '@volley/sim';
import type { ChunkMessage, EndMessage, SimTask, SimTaskResult } from './sim-protocol.js';

/** Where the thread code lives: always the built `dist/sim-thread.js` next to this module. */
export const SIM_THREAD_URL = new URL('./sim-thread.js', import.meta.url);

export interface SimulateOptions {
  id: string;
  spec: unknown;
  signal: AbortSignal;
  /**
   * Receives the run's events in order, as JSON bodies (see `ChunkMessage`), with the batch's last
   * progress. Never called again before the previous call settles.
   */
  write: (bodies: string[], progress: { t: number; fraction: number } | null) => Promise<void>;
  chunkSteps?: number;
}

export type SimOutcome =
  | { kind: 'completed'; packed: Uint8Array; stats: RunStats }
  | { kind: 'invalid'; diagnostics: Diagnostic[] }
  /** `signal` was aborted; `reason` is its reason. */
  | { kind: 'aborted'; reason: unknown }
  /** The thread threw (a simulator bug) or `write` failed. */
  | { kind: 'crashed'; error: Error };

/** How long a thread asked to stop may take before it is terminated. */
const STOP_GRACE_MS = 750;
/** Chunks a thread may run ahead of the writes. */
const MAX_IN_FLIGHT = 64;
/** Upper bounds of one `write` call. */
const BATCH_MAX_BODIES = 1000;
const BATCH_MAX_CHARS = 4 << 20;

export class SimPool {
  readonly #pool: Piscina<SimTask, SimTaskResult>;
  #running = 0;

  constructor(opts: { threads: number; threadUrl?: URL }) {
    this.#pool = new Piscina<SimTask, SimTaskResult>({
      filename: (opts.threadUrl ?? SIM_THREAD_URL).href,
      minThreads: 0,
      maxThreads: opts.threads,
      idleTimeout: 60_000,
      concurrentTasksPerWorker: 1,
    });
  }

  /** Simulations currently running in a thread. */
  get running(): number {
    return this.#running;
  }

  async simulate(opts: SimulateOptions): Promise<SimOutcome> {
    const { port1, port2 } = new MessageChannel();
    const acked = new Int32Array(new SharedArrayBuffer(4));
    const stop = new AbortController();
    const signal = AbortSignal.any([opts.signal, stop.signal]);

    const pending: ChunkMessage[] = [];
    let written = 0;
    let expected = -1;
    let draining = false;
    let writeError: Error | null = null;
    let settle: (() => void) | undefined;
    const allWritten = new Promise<void>((resolve) => (settle = resolve));
    const checkDone = () => {
      if (expected >= 0 && written === expected && pending.length === 0) settle?.();
    };

    const drain = async () => {
      draining = true;
      try {
        while (pending.length > 0 && !signal.aborted) {
          let n = 0;
          let chars = 0;
          const bodies: string[] = [];
          let progress: ChunkMessage['progress'] = null;
          while (
            n < pending.length &&
            (n === 0 || (bodies.length < BATCH_MAX_BODIES && chars < BATCH_MAX_CHARS))
          ) {
            const chunk = pending[n++]!;
            for (const b of chunk.bodies) {
              bodies.push(b);
              chars += b.length;
            }
            progress = chunk.progress ?? progress;
          }
          pending.splice(0, n);
          await opts.write(bodies, progress);
          written += n;
          Atomics.store(acked, 0, written);
          Atomics.notify(acked, 0);
        }
      } catch (err) {
        writeError = err instanceof Error ? err : new Error(String(err));
        stop.abort(writeError);
      } finally {
        draining = false;
      }
      checkDone();
    };

    port1.on('message', (m: ChunkMessage | EndMessage) => {
      if (m.kind === 'chunk') {
        pending.push(m);
        if (!draining) void drain();
      } else {
        expected = m.chunks;
        checkDone();
      }
    });

    const stopFlag = new Int32Array(new SharedArrayBuffer(4));
    const hard = new AbortController();
    let hardTimer: NodeJS.Timeout | undefined;
    const askToStop = () => {
      Atomics.store(stopFlag, 0, 1);
      Atomics.notify(acked, 0);
      hardTimer = setTimeout(() => hard.abort(signal.reason), STOP_GRACE_MS);
    };
    if (signal.aborted) askToStop();
    else signal.addEventListener('abort', askToStop, { once: true });

    this.#running++;
    try {
      const task: SimTask = {
        spec: opts.spec,
        id: opts.id,
        port: port2,
        acked,
        maxInFlight: MAX_IN_FLIGHT,
        stop: stopFlag,
      };
      if (opts.chunkSteps !== undefined) task.chunkSteps = opts.chunkSteps;
      let result: SimTaskResult;
      try {
        result = await this.#pool.run(task, { signal: hard.signal, transferList: [port2] });
      } catch (err) {
        if (writeError !== null) return { kind: 'crashed', error: writeError };
        if (opts.signal.aborted) return { kind: 'aborted', reason: opts.signal.reason };
        return { kind: 'crashed', error: err instanceof Error ? err : new Error(String(err)) };
      }
      // The thread posted every chunk before returning; wait until they are all written.
      await Promise.race([allWritten, abortedPromise(signal)]);
      if (writeError !== null) return { kind: 'crashed', error: writeError };
      if (opts.signal.aborted) return { kind: 'aborted', reason: opts.signal.reason };
      if (!result.ok) return { kind: 'invalid', diagnostics: result.diagnostics };
      return { kind: 'completed', packed: result.packed, stats: result.stats };
    } finally {
      clearTimeout(hardTimer);
      signal.removeEventListener('abort', askToStop);
      this.#running--;
      port1.close();
    }
  }

  /** Terminates every thread (running simulations are aborted). */
  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}

function abortedPromise(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
