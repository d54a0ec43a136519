/**
 * @volley/sim — the simulator core: compile a network spec (all errors at once, with positions)
 * and run it in chunks. Pure TypeScript, no I/O: runs in a worker thread, a CLI, a test or a browser.
 */
export type * from './contract.js';
export {
  compile,
  type CompileOptions,
  type CompileResult,
  type Program,
  type NetworkRuntime,
} from './compile.js';
export { run, createSimulation, type RunOptions, type Simulation } from './run.js';
export { SpecRuntimeError } from './synapses.js';
export { lineCol } from './diagnostics.js';
export type { ThreadOptions, WorkerConstructor } from './threads.js';
