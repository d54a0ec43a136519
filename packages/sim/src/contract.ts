/**
 * The simulator core's public contract: what `compile` returns and what a run hands back.
 * The service, the CLI and the tests depend on these shapes only.
 */

/** One problem in a spec, located as precisely as we can. */
export interface Diagnostic {
  /** Stable machine-readable code, e.g. `unknown_identifier`, `dimension_mismatch`. */
  code: string;
  /** Human message, already prefixed by nothing: `cannot add volt and second`. */
  message: string;
  /** JSON path of the field, dotted: `groups.G.model`. */
  path: string;
  /** 1-based line and column inside the field's string, when the field is a string. */
  line?: number;
  column?: number;
  /** Length of the offending text, for carets. */
  length?: number;
  /** Extra hints, e.g. `did you mean "tau"?`. */
  notes?: string[];
}

/** Sizes the service checks against its limits before queueing. */
export interface NetworkSize {
  neurons: number;
  /** Exact where connectivity is explicit, expected value for probabilistic connect calls. */
  synapses: number;
  steps: number;
  /** Samples monitors will store (spikes are estimated at 100 Hz per recorded neuron). */
  recordedSamples: number;
  /** Rough peak memory of the run in bytes. */
  memoryBytes: number;
}

/** Events of one chunk of simulated time, in the live stream's shape (without `seq`). */
export type StreamEvent =
  | { type: 'spikes'; monitor: string; i: number[]; t: number[] }
  | { type: 'state'; monitor: string; t: number[]; record: number[]; values: Record<string, number[][]> }
  | { type: 'rate'; monitor: string; t: number[]; rate: number[] }
  | { type: 'progress'; t: number; fraction: number; step: number; steps: number };

export interface Chunk {
  /** Simulated time at the chunk's first and one-past-last step, seconds. */
  t0: number;
  t1: number;
  /** Events in order; the last one is always a `progress` event. */
  events: StreamEvent[];
}

export type MonitorResult =
  | { type: 'spikes'; i: number[]; t: number[]; count: number[] }
  | { type: 'state'; t: number[]; record: number[]; values: Record<string, number[][]> }
  | { type: 'rate'; t: number[]; rate: number[] }
  | { type: 'snapshot'; values: Record<string, number[]>; i?: number[]; j?: number[] };

export interface RunStats {
  steps: number;
  spikes: number;
  synaptic_events: number;
  build_time_s: number;
  wall_time_s: number;
  total_time_s: number;
}

/** The results document of NETWORK-SPEC.md ("Results"). */
export interface Results {
  id: string;
  seed: number;
  dt: number;
  duration: number;
  monitors: Record<string, MonitorResult>;
  stats: RunStats;
}
