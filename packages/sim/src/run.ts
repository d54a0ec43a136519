import type { Chunk, Results } from './contract.js';
import type { Program } from './compile.js';

export interface RunOptions {
  /** Id written into the results document. */
  id?: string;
  /** Steps per chunk (default: 10 ms of simulated time, at least 1 step). */
  chunkSteps?: number;
  /** Called after every chunk, synchronously, with that chunk's events. */
  onChunk?: (chunk: Chunk) => void;
  /** Polled between chunks; returning true stops the run (results so far are returned). */
  shouldStop?: () => boolean;
}

export interface Simulation {
  readonly done: boolean;
  /** Runs up to `steps` more steps and returns their events. */
  advance(steps: number): Chunk;
  results(id?: string): Results;
}

export function createSimulation(_program: Program): Simulation {
  throw new Error('createSimulation: under construction');
}

/** Builds and runs the whole network, chunk by chunk. */
export function run(program: Program, options: RunOptions = {}): Results {
  const sim = createSimulation(program);
  const chunkSteps = Math.max(1, options.chunkSteps ?? Math.round(0.01 / program.dt));
  while (!sim.done) {
    const chunk = sim.advance(chunkSteps);
    options.onChunk?.(chunk);
    if (options.shouldStop?.()) break;
  }
  return sim.results(options.id);
}
