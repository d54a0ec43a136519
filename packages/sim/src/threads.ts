/**
 * A large group's WebAssembly neuron step split across threads that share its memory: the
 * calling thread updates the first range of neurons while each helper thread updates its own,
 * then their spikes are appended in index order, so the results are the same bit for bit as on
 * one thread. Each step is one hand-off and one join through a small shared control block.
 * Threads spin while they wait (a futex wake-up costs about as much as a step of 64 000 neurons)
 * and sleep on `Atomics.wait` only after that; when the calling thread keeps having to sleep,
 * window after window, something else competes for the cores, and the step goes back to one
 * thread for the rest of the run.
 *
 * Helper threads are plain scripts (no modules to load), given by the host as a Worker
 * constructor; they end on their own when the simulation closes (never terminated mid-load).
 */

/** The part of Node's `worker_threads.Worker` used here. */
export type WorkerConstructor = new (
  script: string,
  options: { eval: true; workerData: unknown },
) => { unref(): void };

export interface ThreadOptions {
  /** Threads per large neuron group, the calling thread included (1: no helper threads). */
  count: number;
  /** Node's `Worker` from `node:worker_threads`. */
  Worker: WorkerConstructor;
  /** Groups smaller than this stay on one thread (default 16 384 neurons). */
  minNeurons?: number;
}

/**
 * Spins before sleeping, in loads of the control word (about a nanosecond each). A helper spins
 * through the calling thread's work between two steps (synaptic delivery, monitors: tens of
 * microseconds on large networks); the calling thread through a helper's range. A futex wake-up
 * instead costs about as much as the step itself.
 */
const HELPER_SPIN = 200_000;
const CALLER_SPIN = HELPER_SPIN / 2;
/** Steps per look at how often the threads had to sleep (a power of two). */
const WINDOW = 64;
/** A helper that has not answered for this long has died: the run fails instead of hanging. */
const TIMEOUT_MS = 30_000;

// Control block (Int32 slots): 0 the step to run (-1: stop), 1 k, 2 the last step done, 3 its
// spike count, 4 set once the helper is ready; the step's t as a Float64 at byte 24.
const GO = 0;
const K = 1;
const DONE = 2;
const COUNT = 3;
const READY = 4;

const SCRIPT = `
const { workerData } = require('node:worker_threads');
const { bytes, memory, control, lo, hi } = workerData;
const run = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports.step;
const ctl = new Int32Array(control, 0, 5);
const tf = new Float64Array(control, 24, 1);
Atomics.store(ctl, ${READY}, 1);
Atomics.notify(ctl, ${READY});
let seen = 0;
for (;;) {
  for (let i = 0; Atomics.load(ctl, ${GO}) === seen; i++) if (i > ${HELPER_SPIN}) Atomics.wait(ctl, ${GO}, seen, 1000);
  const go = Atomics.load(ctl, ${GO});
  if (go < 0) break;
  seen = go;
  ctl[${COUNT}] = run(ctl[${K}], tf[0], lo, hi);
  Atomics.store(ctl, ${DONE}, go);
  Atomics.notify(ctl, ${DONE});
}
`;

export interface SplitStep {
  step: (k: number, t: number) => number;
  /** Lets the helper threads end. */
  close: () => void;
}

/**
 * Splits `range` over `threads` threads (or returns undefined when the group is too small to
 * gain from it).
 */
export function splitStep(
  range: {
    bytes: Uint8Array;
    block: number;
    size: number;
    run: (k: number, t: number, lo: number, hi: number) => number;
  },
  memory: unknown,
  spikes: Int32Array,
  N: number,
  threads: ThreadOptions,
): SplitStep | undefined {
  const count = Math.floor(threads.count);
  if (!(count > 1) || N < (threads.minNeurons ?? 16_384) || N < count * range.block) return undefined;
  // Range boundaries on whole blocks; the last range ends at the padded size.
  const bounds = Array.from({ length: count + 1 }, (_, p) =>
    p === count ? range.size : Math.round((N * p) / count / range.block) * range.block,
  );
  const helpers = bounds.slice(1, -1).map((lo, h) => {
    const control = new SharedArrayBuffer(32);
    const worker = new threads.Worker(SCRIPT, {
      eval: true,
      workerData: { bytes: range.bytes, memory, control, lo, hi: bounds[h + 2] },
    });
    worker.unref();
    return { lo, ctl: new Int32Array(control, 0, 5), tf: new Float64Array(control, 24, 1) };
  });
  let seq = 0;
  // Steps in the current window on which the calling thread had to sleep for a helper, and
  // windows in a row with many of them.
  let slept = 0;
  let busy = 0;
  let solo = false;
  const close = () => {
    for (const h of helpers) {
      Atomics.store(h.ctl, GO, -1);
      Atomics.notify(h.ctl, GO);
    }
  };
  return {
    step: (k, t) => {
      if (solo) return range.run(k, t, 0, range.size);
      if (seq === 0)
        for (const h of helpers)
          if (Atomics.wait(h.ctl, READY, 0, TIMEOUT_MS) === 'timed-out' && Atomics.load(h.ctl, READY) !== 1)
            throw new Error('a simulation thread did not start');
      seq++;
      for (const h of helpers) {
        h.ctl[K] = k;
        h.tf[0] = t;
        Atomics.store(h.ctl, GO, seq);
        Atomics.notify(h.ctl, GO);
      }
      let n = range.run(k, t, 0, bounds[1]!);
      for (const h of helpers) {
        for (let i = 0; Atomics.load(h.ctl, DONE) !== seq; i++) {
          if (i <= CALLER_SPIN) continue;
          if (i === CALLER_SPIN + 1) slept++;
          if (
            Atomics.wait(h.ctl, DONE, seq - 1, TIMEOUT_MS) === 'timed-out' &&
            Atomics.load(h.ctl, DONE) !== seq
          )
            throw new Error('a simulation thread stopped responding');
        }
        const m = h.ctl[COUNT]!;
        if (m > 0 && n !== h.lo) spikes.copyWithin(n, h.lo, h.lo + m);
        n += m;
      }
      // Other work competing for the cores shows as sleeps, window after window: then one thread
      // is faster (a single slow window may be a pause of the whole process).
      if ((seq & (WINDOW - 1)) === 0) {
        busy = slept > WINDOW / 8 ? busy + 1 : 0;
        if (busy === 2) {
          close();
          solo = true;
        }
        slept = 0;
      }
      return n;
    },
    close,
  };
}
