/** Wall-clock seconds, from `performance.now()` where the runtime has it (Node, browsers). */
const perf = (globalThis as { performance?: { now(): number } }).performance;
export const wallSeconds = (): number => (perf ? perf.now() : Date.now()) / 1000;
