/**
 * Chunked runs and the live stream: what `onChunk` hands out, concatenated, is what the final
 * results hold; progress reaches fraction 1; and the chunk size changes nothing in the results.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, type Program } from './compile.js';
import type { Chunk, Results, StreamEvent } from './contract.js';
import { createSimulation, run } from './run.js';

type Obj = Record<string, unknown>;

/** A network with spikes from several sources, streamed and not, and sampled monitors whose
 *  periods do not divide the chunk sizes used below. */
function networkSpec(seed = 31): Obj {
  return {
    version: 1,
    duration: '50*ms',
    seed,
    constants: { tau: '10*ms', sigma: '0.3' },
    groups: {
      P: { type: 'poisson', N: 40, rates: '(30 + 2*i)*Hz' },
      G: {
        type: 'neurons',
        N: 30,
        model: 'dv/dt = (I - v)/tau + sigma*sqrt(2/tau)*xi : 1 (unless refractory)\nI : 1',
        threshold: 'v > 1',
        reset: 'v = 0',
        refractory: '2*ms',
        init: { v: 'rand()', I: '0.8 + 0.2*randn()' },
      },
      Gen: {
        type: 'spikes',
        N: 3,
        indices: [0, 2, 1, 0],
        times: { values: [0, 4.95, 12.3, 33.3], unit: 'ms' },
      },
    },
    synapses: {
      S: {
        source: 'P',
        target: 'G',
        model: 'w : 1',
        on_pre: 'v_post += w',
        connect: { p: 0.2 },
        init: { w: '0.3*rand()' },
        delay: '1.5*ms',
      },
    },
    monitors: {
      spk: { type: 'spikes', source: 'G' },
      part: { type: 'spikes', source: 'G[10:20]' },
      some: { type: 'spikes', source: 'G', record: [0, 5, 29] },
      inp: { type: 'spikes', source: 'P' },
      gen: { type: 'spikes', source: 'Gen' },
      quiet: { type: 'spikes', source: 'P', stream: false },
      vm: {
        type: 'state',
        source: 'G',
        variables: ['v', 'not_refractory'],
        record: [0, 3],
        dt: '0.3*ms',
        stream: true,
      },
      rate: { type: 'rate', source: 'G', bin: '1*ms', stream: true },
      hidden: { type: 'state', source: 'G', variables: ['v'], record: [1] },
      w: { type: 'snapshot', source: 'S', variables: ['w'] },
    },
  };
}

function program(spec: Obj): Program {
  const r = compile(spec);
  if (!r.ok) throw new Error(`compile failed: ${JSON.stringify(r.diagnostics)}`);
  return r.program;
}

function runChunked(
  chunkSteps: number | undefined,
  spec = networkSpec(),
): { results: Results; chunks: Chunk[] } {
  const chunks: Chunk[] = [];
  const results = run(program(spec), {
    ...(chunkSteps === undefined ? {} : { chunkSteps }),
    onChunk: (c) => chunks.push(c),
  });
  return { results, chunks };
}

const eventsOf = <T extends StreamEvent['type']>(
  chunks: Chunk[],
  type: T,
  monitor?: string,
): Extract<StreamEvent, { type: T }>[] =>
  chunks.flatMap((c) =>
    c.events.filter(
      (e): e is Extract<StreamEvent, { type: T }> =>
        e.type === type && (monitor === undefined || !('monitor' in e) || e.monitor === monitor),
    ),
  );

/** Monitor results without the timing stats, for comparisons between runs. */
const comparable = (r: Results) => ({
  seed: r.seed,
  dt: r.dt,
  duration: r.duration,
  monitors: r.monitors,
  steps: r.stats.steps,
  spikes: r.stats.spikes,
  events: r.stats.synaptic_events,
});

describe('streamed chunks', () => {
  let results: Results;
  let chunks: Chunk[];
  beforeAll(() => {
    ({ results, chunks } = runChunked(37));
  });

  it('the network is busy enough to test anything', () => {
    const spk = results.monitors.spk;
    expect(spk?.type === 'spikes' && spk.i.length).toBeGreaterThan(30);
    expect(chunks.length).toBe(Math.ceil(500 / 37));
  });

  it.each(['spk', 'part', 'some', 'inp', 'gen'])(
    'spike monitor %s: the streamed events, concatenated, are its final results',
    (name) => {
      const final = results.monitors[name];
      if (final?.type !== 'spikes') throw new Error('not a spike monitor');
      const streamed = eventsOf(chunks, 'spikes', name);
      expect(streamed.every((e) => e.i.length > 0 && e.i.length === e.t.length)).toBe(true);
      expect(streamed.flatMap((e) => e.i)).toEqual(final.i);
      expect(streamed.flatMap((e) => e.t)).toEqual(final.t);
    },
  );

  it("spike events carry only their own chunk's times", () => {
    for (const c of chunks) {
      for (const e of c.events)
        if (e.type === 'spikes')
          for (const t of e.t) expect(t >= c.t0 - 1e-12 && t < c.t1 - 1e-12).toBe(true);
    }
  });

  it('a monitor with "stream": false streams nothing but keeps its results', () => {
    expect(eventsOf(chunks, 'spikes', 'quiet')).toEqual([]);
    expect(results.monitors.quiet).toEqual(results.monitors.inp);
    expect(eventsOf(chunks, 'state', 'hidden')).toEqual([]);
  });

  it('a streamed state monitor: concatenated samples are its final results', () => {
    const final = results.monitors.vm;
    if (final?.type !== 'state') throw new Error('not a state monitor');
    const streamed = eventsOf(chunks, 'state', 'vm');
    expect(streamed.flatMap((e) => e.t)).toEqual(final.t);
    for (const e of streamed) expect(e.record).toEqual([0, 3]);
    for (const v of ['v', 'not_refractory']) {
      for (let r = 0; r < 2; r++)
        expect(streamed.flatMap((e) => e.values[v]![r]!)).toEqual(final.values[v]![r]);
    }
    expect(final.t).toHaveLength(Math.ceil(500 / 3));
  });

  it('a streamed rate monitor: concatenated bins are its final results', () => {
    const final = results.monitors.rate;
    if (final?.type !== 'rate') throw new Error('not a rate monitor');
    const streamed = eventsOf(chunks, 'rate', 'rate');
    expect(streamed.flatMap((e) => e.t)).toEqual(final.t);
    expect(streamed.flatMap((e) => e.rate)).toEqual(final.rate);
    expect(final.t).toHaveLength(50);
  });

  it('chunks tile the run: contiguous [t0, t1), from 0 to the duration, each ending with progress', () => {
    expect(chunks[0]!.t0).toBe(0);
    for (let k = 1; k < chunks.length; k++) expect(chunks[k]!.t0).toBe(chunks[k - 1]!.t1);
    expect(chunks[chunks.length - 1]!.t1).toBeCloseTo(0.05, 12);
    for (const c of chunks) expect(c.events[c.events.length - 1]!.type).toBe('progress');
  });

  it('progress is monotonic and reaches fraction 1 at the last step', () => {
    const progress = eventsOf(chunks, 'progress');
    expect(progress).toHaveLength(chunks.length);
    progress.forEach((p, k) => {
      expect(p.steps).toBe(500);
      expect(p.step).toBe(Math.min(500, (k + 1) * 37));
      expect(p.fraction).toBe(p.step / 500);
      expect(p.t).toBe(p.step * 1e-4);
    });
    expect(progress[progress.length - 1]!.fraction).toBe(1);
    expect(results.stats.steps).toBe(500);
  });
});

describe('chunk size', () => {
  it.each([1, 7, 100, 499, 500, 10_000])('does not change the results (%i steps per chunk)', (steps) => {
    const reference = comparable(runChunked(undefined).results);
    expect(comparable(runChunked(steps).results)).toEqual(reference);
  });

  it('the default chunk is 10 ms of simulated time', () => {
    const { chunks } = runChunked(undefined);
    expect(chunks.map((c) => Math.round(c.t1 / 1e-4) - Math.round(c.t0 / 1e-4))).toEqual([
      100, 100, 100, 100, 100,
    ]);
  });

  it('advancing a simulation by hand gives the same results as run()', () => {
    const sim = createSimulation(program(networkSpec()));
    const sizes = [3, 0, 50, 1, 200, 1000];
    for (const n of sizes) {
      if (sim.done) break;
      const before = sim.step;
      const c = sim.advance(n);
      expect(sim.step).toBe(Math.min(500, before + n));
      expect(c.t0).toBe(before * 1e-4);
    }
    expect(sim.done).toBe(true);
    expect(comparable(sim.results())).toEqual(comparable(runChunked(undefined).results));
  });
});

describe('stopping', () => {
  it('shouldStop ends the run after the current chunk, with the results so far', () => {
    let calls = 0;
    const chunks: Chunk[] = [];
    const r = run(program(networkSpec()), {
      chunkSteps: 60,
      onChunk: (c) => chunks.push(c),
      shouldStop: () => ++calls >= 2,
    });
    expect(chunks).toHaveLength(2);
    expect(r.stats.steps).toBe(120);
    const spk = r.monitors.spk;
    if (spk?.type !== 'spikes') throw new Error('no spikes');
    expect(spk.t.every((t) => t < 0.012)).toBe(true);
    const full = runChunked(60).results.monitors.spk;
    if (full?.type !== 'spikes') throw new Error('no spikes');
    // The prefix of the full run.
    const n = spk.i.length;
    expect(full.i.slice(0, n)).toEqual(spk.i);
    expect(full.t[n] === undefined || full.t[n]! >= 0.012).toBe(true);
  });
});
