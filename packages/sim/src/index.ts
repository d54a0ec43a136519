export type * from './contract.js';
export { compile, type CompileResult, type Program } from './compile.js';
export { run, createSimulation, type RunOptions, type Simulation } from './run.js';
