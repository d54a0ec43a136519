/** What the network loop, monitors and synapses see of a built group. */
import type { WasmArena } from './wasm.js';

/** Per-element values of a variable; flags such as not_refractory use one byte per element. */
export type StateArray = Float64Array | Uint8Array;

/** Value of one variable of element `idx` at time `t`. */
export type Recorder = (idx: number, t: number) => number;
export interface GroupRuntime {
  name: string;
  kind: 'neurons' | 'poisson' | 'spikes';
  N: number;
  /** Per-element (or length-1 shared) arrays by variable name. */
  arrays: Map<string, StateArray>;
  /** Indices that spiked in the current step (first `nspikes` entries), ascending. */
  spikes: Int32Array;
  nspikes: number;
  /** The integration method used (neurons only). */
  method?: string;
  /** Which kind of kernel runs the step (neurons only). */
  kernel?: 'wasm' | 'js';
  /** The WebAssembly memory holding the group's arrays, when its kernel is WebAssembly. */
  arena?: WasmArena;
  /** Threads the step runs on (1 unless split, see threads.ts). */
  threads?: number;
  /** Releases helper threads, if any. */
  close?(): void;
  /** The `groups` + `thresholds` slots of step k. */
  update(k: number, t: number): void;
  /** The `resets` slot. */
  reset(t: number): void;
  recorder(name: string): Recorder | undefined;
}
