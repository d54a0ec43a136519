/**
 * The simulation loop, in Brian 2's schedule for step k (t_k = k·dt):
 *   start (state monitors) → groups (summed variables, clock-driven synapses, neuron state
 *   updates fused with thresholds) → thresholds (spike monitors) → synapses (queue, on_pre,
 *   on_post) → resets → end (rate monitors).
 * It runs in chunks; each chunk's recorded events go to the caller (the service streams them).
 */
import type { Chunk, Results, StreamEvent } from './contract.js';
import type { NetworkRuntime, Program } from './compile.js';
import { wallSeconds } from './clock.js';

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
  /** Steps simulated so far. */
  readonly step: number;
  /** Runs up to `steps` more steps and returns their events. */
  advance(steps: number): Chunk;
  results(id?: string): Results;
  /** Releases helper threads (compile option `threads`); the simulation cannot advance after. */
  close(): void;
}

export function createSimulation(program: Program): Simulation {
  const t0 = wallSeconds();
  const net: NetworkRuntime = program.build();
  const buildTime = wallSeconds() - t0;
  const { dt, steps } = program;
  const { groups, synapses } = net;
  const startMons = net.monitors.filter((m) => m.start);
  const spikeMons = net.monitors.filter((m) => m.afterThresholds);
  const endMons = net.monitors.filter((m) => m.end);
  let k = 0;
  let loopTime = 0;
  let totalSpikes = 0;
  let synEvents = 0;
  const advance = (n: number): Chunk => {
    const begin = k;
    const end = Math.min(steps, k + Math.max(0, Math.floor(n)));
    const tStart = wallSeconds();
    for (; k < end; k++) {
      const t = k * dt;
      for (let m = 0; m < startMons.length; m++) startMons[m]!.start!(k, t);
      for (let s = 0; s < synapses.length; s++) synapses[s]!.beforeGroups(t);
      for (let g = 0; g < groups.length; g++) {
        const gr = groups[g]!;
        gr.update(k, t);
        totalSpikes += gr.nspikes;
      }
      for (let m = 0; m < spikeMons.length; m++) spikeMons[m]!.afterThresholds!(k);
      for (let s = 0; s < synapses.length; s++) synEvents += synapses[s]!.propagate(k, t);
      for (let g = 0; g < groups.length; g++) groups[g]!.reset(t);
      for (let m = 0; m < endMons.length; m++) endMons[m]!.end!(k);
    }
    loopTime += wallSeconds() - tStart;
    const events: StreamEvent[] = [];
    for (const m of net.monitors) {
      const e = m.flush();
      if (e) events.push(e);
    }
    events.push({ type: 'progress', t: k * dt, fraction: steps === 0 ? 1 : k / steps, step: k, steps });
    return { t0: begin * dt, t1: k * dt, events };
  };
  return {
    get done() {
      return k >= steps;
    },
    get step() {
      return k;
    },
    advance,
    close() {
      for (const g of groups) g.close?.();
    },
    results(id) {
      const tr = wallSeconds();
      const monitors: Results['monitors'] = {};
      for (const m of net.monitors) monitors[m.name] = m.result();
      const writeTime = wallSeconds() - tr;
      return {
        id: id ?? `local-${program.seed}`,
        seed: program.seed,
        dt,
        duration: program.duration,
        monitors,
        stats: {
          steps: k,
          spikes: totalSpikes,
          synaptic_events: synEvents,
          build_time_s: buildTime + program.compileTime,
          wall_time_s: loopTime,
          total_time_s: buildTime + program.compileTime + loopTime + writeTime,
        },
      };
    },
  };
}

/** Builds and runs the whole network, chunk by chunk. */
export function run(program: Program, options: RunOptions = {}): Results {
  const sim = createSimulation(program);
  const chunkSteps = Math.max(1, options.chunkSteps ?? Math.round(0.01 / program.dt));
  try {
    while (!sim.done) {
      const chunk = sim.advance(chunkSteps);
      options.onChunk?.(chunk);
      if (options.shouldStop?.()) break;
    }
    return sim.results(options.id);
  } finally {
    sim.close();
  }
}
