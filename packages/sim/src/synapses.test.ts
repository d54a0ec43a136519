/**
 * Synapses, through the public path (spec → compile → run → monitors):
 *
 * - connect calls: explicit pairs (kept in the given order, as Brian 2), broadcasting, all pairs,
 *   p (count within 3 standard deviations of its mean), condition (+ p), generator expressions,
 *   n synapses per pair, lists of calls, slices (i and j relative to the slice);
 * - numbering: connect calls in order, within a generated call sorted by i then j (the golden
 *   numbering below was produced by Brian 2.5.1 for the same calls);
 * - delays: a spike of step k with delay d is delivered in step k + round(d/dt), after that step's
 *   update, so it shows in the state sampled at step k + round(d/dt) + 1;
 * - concurrent deliveries onto one target all count; on_post; event-driven STDP traces decay
 *   exactly between events; summed variables; and one large build, timed for the log only.
 */
import { describe, expect, it } from 'vitest';
import { compile, type Program } from './compile.js';
import type { MonitorResult, Results } from './contract.js';
import { createSimulation, run } from './run.js';
import { SpecRuntimeError } from './synapses.js';

type Obj = Record<string, unknown>;
type State = Extract<MonitorResult, { type: 'state' }>;
type Spikes = Extract<MonitorResult, { type: 'spikes' }>;

function program(spec: Obj): Program {
  const r = compile(spec);
  if (!r.ok) throw new Error(`compile failed: ${JSON.stringify(r.diagnostics)}`);
  return r.program;
}

const simulate = (spec: Obj): Results => run(program(spec));

function monitor<T extends MonitorResult['type']>(
  r: Results,
  name: string,
  type: T,
): Extract<MonitorResult, { type: T }> {
  const m = r.monitors[name];
  if (m?.type !== type) throw new Error(`no ${type} monitor "${name}"`);
  return m as Extract<MonitorResult, { type: T }>;
}

/** Synapses between two plain groups, and a snapshot of their i, j (and w). */
function connectSpec(
  connect: unknown,
  opts: { Npre?: number; Npost?: number; seed?: number; source?: string; target?: string; init?: Obj } = {},
): Obj {
  return {
    version: 1,
    duration: '0.1*ms',
    seed: opts.seed ?? 1,
    groups: {
      A: { type: 'neurons', N: opts.Npre ?? 4, model: 'x : 1', init: { x: 'i' } },
      B: { type: 'neurons', N: opts.Npost ?? 4, model: 'y : 1', init: { y: '10*i' } },
    },
    synapses: {
      S: {
        source: opts.source ?? 'A',
        target: opts.target ?? 'B',
        model: 'w : 1',
        connect,
        ...(opts.init ? { init: opts.init } : {}),
      },
    },
    monitors: { snap: { type: 'snapshot', source: 'S', variables: ['w'] } },
  };
}

function pairs(connect: unknown, opts: Parameters<typeof connectSpec>[1] = {}): [number, number][] {
  const s = monitor(simulate(connectSpec(connect, opts)), 'snap', 'snapshot');
  return s.i!.map((i, k) => [i, s.j![k]!]);
}

const allPairs = (
  n: number,
  m: number,
  keep: (i: number, j: number) => boolean = () => true,
): [number, number][] => {
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) if (keep(i, j)) out.push([i, j]);
  return out;
};

const isSortedByIThenJ = (ps: [number, number][]): boolean =>
  ps.every((p, k) => k === 0 || ps[k - 1]![0] < p[0] || (ps[k - 1]![0] === p[0] && ps[k - 1]![1] <= p[1]));

describe('connect', () => {
  it('explicit pairs keep the given order (Brian 2)', () => {
    expect(pairs({ i: [2, 0, 1], j: [1, 3, 0] })).toEqual([
      [2, 1],
      [0, 3],
      [1, 0],
    ]);
  });

  it('a single index is broadcast against a list, either side', () => {
    expect(pairs({ i: 0, j: [1, 2] })).toEqual([
      [0, 1],
      [0, 2],
    ]);
    expect(pairs({ i: [0, 1, 3], j: 2 })).toEqual([
      [0, 2],
      [1, 2],
      [3, 2],
    ]);
    expect(pairs({ i: 3, j: 1 })).toEqual([[3, 1]]);
  });

  it('{} connects all pairs, self-pairs included, sorted by i then j', () => {
    expect(pairs({}, { Npre: 3, Npost: 4 })).toEqual(allPairs(3, 4));
  });

  it('a deterministic condition selects exactly the pairs that satisfy it', () => {
    expect(pairs({ condition: 'abs(i - j) < 2' }, { Npre: 5, Npost: 5 })).toEqual(
      allPairs(5, 5, (i, j) => Math.abs(i - j) < 2),
    );
    expect(pairs({ condition: 'i != j' }, { Npre: 3, Npost: 3 })).toEqual(allPairs(3, 3, (i, j) => i !== j));
    expect(pairs({ condition: 'j == (i + 1) % N_post' }, { Npre: 4, Npost: 3 })).toEqual([
      [0, 1],
      [1, 2],
      [2, 0],
      [3, 1],
    ]);
    // pre- and post-synaptic variables: x_pre = i, y_post = 10·j
    expect(pairs({ condition: 'x_pre*10 > y_post' }, { Npre: 3, Npost: 3 })).toEqual(
      allPairs(3, 3, (i, j) => i > j),
    );
  });

  it('p: each pair with probability p — count within 3 sd of N_pre·N_post·p, sorted, no duplicates', () => {
    const [n, m, p] = [200, 300, 0.05];
    const ps = pairs({ p }, { Npre: n, Npost: m, seed: 3 });
    const mean = n * m * p;
    const sd = Math.sqrt(n * m * p * (1 - p));
    expect(Math.abs(ps.length - mean)).toBeLessThan(3 * sd);
    expect(isSortedByIThenJ(ps)).toBe(true);
    expect(new Set(ps.map(([i, j]) => `${i},${j}`)).size).toBe(ps.length);
    expect(ps.every(([i, j]) => i >= 0 && i < n && j >= 0 && j < m)).toBe(true);
    // Every source and every target takes part about equally: out-degrees have mean m·p = 15.
    const outDeg = new Array<number>(n).fill(0);
    for (const [i] of ps) outDeg[i]!++;
    const meanDeg = outDeg.reduce((a, b) => a + b, 0) / n;
    const varDeg = outDeg.reduce((a, b) => a + (b - meanDeg) ** 2, 0) / n;
    expect(varDeg).toBeGreaterThan(m * p * (1 - p) * 0.6);
    expect(varDeg).toBeLessThan(m * p * (1 - p) * 1.5);
  });

  it('p: the same seed gives the same synapses, another seed others; p = 0 and p = 1', () => {
    const a = pairs({ p: 0.1 }, { Npre: 50, Npost: 50, seed: 8 });
    expect(pairs({ p: 0.1 }, { Npre: 50, Npost: 50, seed: 8 })).toEqual(a);
    expect(pairs({ p: 0.1 }, { Npre: 50, Npost: 50, seed: 9 })).not.toEqual(a);
    expect(pairs({ p: 0 }, { Npre: 5, Npost: 5 })).toEqual([]);
    expect(pairs({ p: 1 }, { Npre: 3, Npost: 2 })).toEqual(allPairs(3, 2));
  });

  it('condition with p: only pairs that satisfy the condition, each with probability p', () => {
    const n = 100;
    const ps = pairs({ condition: 'i != j', p: 0.1 }, { Npre: n, Npost: n, seed: 4 });
    expect(ps.every(([i, j]) => i !== j)).toBe(true);
    const candidates = n * (n - 1);
    expect(Math.abs(ps.length - candidates * 0.1)).toBeLessThan(3 * Math.sqrt(candidates * 0.1 * 0.9));
    expect(isSortedByIThenJ(ps)).toBe(true);
    // CUBA's form: a condition on i alone.
    const exc = pairs({ condition: 'i < 50', p: 0.2 }, { Npre: n, Npost: n, seed: 4 });
    expect(exc.every(([i]) => i < 50)).toBe(true);
    expect(Math.abs(exc.length - 50 * n * 0.2)).toBeLessThan(3 * Math.sqrt(50 * n * 0.2 * 0.8));
  });

  it('explicit pairs with p keep each pair with probability p', () => {
    const is = Array.from({ length: 2000 }, (_, k) => k % 4);
    const js = Array.from({ length: 2000 }, (_, k) => Math.floor(k / 4) % 4);
    const ps = pairs({ i: is, j: js, p: 0.5 }, { seed: 2 });
    expect(Math.abs(ps.length - 1000)).toBeLessThan(3 * Math.sqrt(2000 * 0.25));
  });

  it('"j": "i" connects one to one', () => {
    expect(pairs({ j: 'i' }, { Npre: 4, Npost: 4 })).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(pairs({ j: 'N_post - 1 - i' }, { Npre: 3, Npost: 3 })).toEqual([
      [0, 2],
      [1, 1],
      [2, 0],
    ]);
  });

  it('a generator expression over a range, with an "if" that keeps the indices valid', () => {
    expect(
      pairs({ j: 'k for k in range(i-1, i+2) if k >= 0 and k < N_post' }, { Npre: 4, Npost: 4 }),
    ).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
      [1, 2],
      [2, 1],
      [2, 2],
      [2, 3],
      [3, 2],
      [3, 3],
    ]);
    expect(pairs({ j: 'k for k in range(N_post) if k != i' }, { Npre: 3, Npost: 3 })).toEqual(
      allPairs(3, 3, (i, j) => i !== j),
    );
    expect(pairs({ j: 'k for k in range(0, N_post, 2)' }, { Npre: 2, Npost: 5 })).toEqual([
      [0, 0],
      [0, 2],
      [0, 4],
      [1, 0],
      [1, 2],
      [1, 4],
    ]);
  });

  it('a generator index outside the target fails the run, naming the field', () => {
    expect(() => pairs({ j: 'i + 1' }, { Npre: 3, Npost: 3 })).toThrow(SpecRuntimeError);
    expect(() => pairs({ j: 'k for k in range(i-1, i+2)' }, { Npre: 3, Npost: 3 })).toThrow(
      /synapses\.S\.connect\.j/,
    );
  });

  it('n synapses per pair: consecutive, for explicit pairs, conditions, generators and expressions of i and j', () => {
    expect(pairs({ i: [0, 1], j: [1, 0], n: 3 })).toEqual([
      [0, 1],
      [0, 1],
      [0, 1],
      [1, 0],
      [1, 0],
      [1, 0],
    ]);
    // Brian 2.5.1: S.connect(condition='i!=j', n=2) on 3×3 numbers them like this.
    expect(pairs({ condition: 'i != j', n: 2 }, { Npre: 3, Npost: 3 })).toEqual([
      [0, 1],
      [0, 1],
      [0, 2],
      [0, 2],
      [1, 0],
      [1, 0],
      [1, 2],
      [1, 2],
      [2, 0],
      [2, 0],
      [2, 1],
      [2, 1],
    ]);
    expect(pairs({ j: 'i', n: 2 }, { Npre: 2, Npost: 2 })).toEqual([
      [0, 0],
      [0, 0],
      [1, 1],
      [1, 1],
    ]);
    expect(pairs({ n: 'i + j' }, { Npre: 2, Npost: 2 })).toEqual([
      [0, 1],
      [1, 0],
      [1, 1],
      [1, 1],
    ]);
  });

  it('a list of connect calls numbers synapses call by call (golden numbering from Brian 2.5.1)', () => {
    // Brian 2.5.1: S.connect(i=[2,0,1], j=[1,3,0]); S.connect(i=[0], j=[2]);
    //              S.connect(j='k for k in range(i-1, i+2) if k >= 0 and k < N_post')
    const ps = pairs([
      { i: [2, 0, 1], j: [1, 3, 0] },
      { i: [0], j: [2] },
      { j: 'k for k in range(i-1, i+2) if k >= 0 and k < N_post' },
    ]);
    expect(ps.map(([i]) => i)).toEqual([2, 0, 1, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3]);
    expect(ps.map(([, j]) => j)).toEqual([1, 3, 0, 2, 0, 1, 0, 1, 2, 1, 2, 3, 2, 3]);
  });

  it('slices: i and j count from the slice start, and only the slice takes part', () => {
    expect(pairs({ j: 'i' }, { Npre: 20, Npost: 20, source: 'A[5:10]', target: 'B[10:20]' })).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    expect(pairs({}, { Npre: 10, Npost: 10, source: 'A[8:10]', target: 'B[0:3]' })).toEqual(allPairs(2, 3));
    // x_pre = i of the whole group A (5…9), so the condition sees absolute values of variables.
    expect(
      pairs(
        { condition: 'x_pre == 7 and j < 2' },
        { Npre: 10, Npost: 10, source: 'A[5:10]', target: 'B[0:10]' },
      ),
    ).toEqual([
      [2, 0],
      [2, 1],
    ]);
  });
});

describe('synapse numbering and initial values', () => {
  it("init expressions see each synapse's own i and j, whatever the storage order", () => {
    const s = monitor(
      simulate(
        connectSpec([{ i: [3, 0, 2, 1], j: [0, 1, 2, 3] }, { condition: 'i == j' }], {
          init: { w: 'i*10 + j' },
        }),
      ),
      'snap',
      'snapshot',
    );
    s.i!.forEach((i, k) => expect(s.values.w![k]).toBe(i * 10 + s.j![k]!));
  });

  it('init arrays are in creation order, also for unsorted explicit pairs', () => {
    const spec = connectSpec({ i: [2, 0, 1, 0], j: [1, 3, 0, 0] }, { init: { w: [10, 20, 30, 40] } });
    (spec.monitors as Obj).trace = { type: 'state', source: 'S', variables: ['w'], record: [0, 3] };
    (spec as Obj).duration = '0.3*ms';
    const r = simulate(spec);
    const s = monitor(r, 'snap', 'snapshot');
    expect(s.i).toEqual([2, 0, 1, 0]);
    expect(s.j).toEqual([1, 3, 0, 0]);
    expect(s.values.w).toEqual([10, 20, 30, 40]);
    const t = monitor(r, 'trace', 'state');
    expect(t.record).toEqual([0, 3]);
    expect(t.values.w).toEqual([
      [10, 10, 10],
      [40, 40, 40],
    ]);
  });

  it("a recorded subexpression reads its synapse's source (stored only for that)", () => {
    const spec = connectSpec({}, { Npre: 3, Npost: 2, init: { w: '1' } }) as Obj & { synapses: Obj };
    const S = spec.synapses.S as Obj;
    const r = simulate({
      ...spec,
      synapses: { S: { ...S, model: 'w : 1\nq = w + x_pre : 1' } },
      monitors: { snap: { type: 'snapshot', source: 'S', variables: ['q'] } },
    });
    expect(monitor(r, 'snap', 'snapshot').values.q).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it('an init array of the wrong length fails the run with the number of synapses', () => {
    expect(() => simulate(connectSpec({ j: 'i' }, { init: { w: [1, 2, 3] } }))).toThrow(
      /4 synapses were created, got 3 values/,
    );
  });
});

/** Inputs at given times (ms) into a target group with a plain parameter v, traced every step. */
function deliverySpec(opts: {
  times: number[];
  indices: number[];
  Nin?: number;
  Nout?: number;
  connect: unknown;
  delay?: string;
  init?: Obj;
  onPre?: string;
  duration?: string;
  targetModel?: string;
  threshold?: string;
  reset?: string;
}): Obj {
  return {
    version: 1,
    duration: opts.duration ?? '8*ms',
    seed: 1,
    groups: {
      In: {
        type: 'spikes',
        N: opts.Nin ?? 2,
        indices: opts.indices,
        times: { values: opts.times, unit: 'ms' },
      },
      G: {
        type: 'neurons',
        N: opts.Nout ?? 4,
        model: opts.targetModel ?? 'v : 1',
        ...(opts.threshold ? { threshold: opts.threshold } : {}),
        ...(opts.reset ? { reset: opts.reset } : {}),
      },
    },
    synapses: {
      S: {
        source: 'In',
        target: 'G',
        model: 'w : 1',
        on_pre: opts.onPre ?? 'v_post += w',
        connect: opts.connect,
        ...(opts.delay ? { delay: opts.delay } : {}),
        init: { w: '1', ...(opts.init ?? {}) },
      },
    },
    monitors: {
      vm: { type: 'state', source: 'G', variables: ['v'] },
      out: { type: 'spikes', source: 'G' },
    },
  };
}

/** Index of the first sample at which a trace differs from its first value. */
const firstChange = (row: number[]): number => row.findIndex((x) => x !== row[0]);

describe('delays', () => {
  it('a spike of step k with delay d is delivered in step k + round(d/dt) (seen from sample k + round(d/dt) + 1)', () => {
    // per-synapse delays 0, 1.04, 2.96, 5.0 ms → 0, 10, 30, 50 steps; the spike is at step 10.
    const r = simulate(
      deliverySpec({
        times: [1],
        indices: [0],
        Nin: 1,
        connect: { i: 0, j: [0, 1, 2, 3] },
        init: { delay: { values: [0, 1.04, 2.96, 5], unit: 'ms' } },
      }),
    );
    const v = monitor(r, 'vm', 'state').values.v!;
    expect(v.map(firstChange)).toEqual([11, 21, 41, 61]);
    for (const row of v) expect(row[row.length - 1]).toBe(1);
    expect(r.stats.synaptic_events).toBe(4);
  });

  it('one shared delay, rounded to whole steps (0.26 ms → 3 steps, 0.74 ms → 7 steps)', () => {
    for (const [delay, steps] of [
      ['0.26*ms', 3],
      ['0.74*ms', 7],
      ['2*ms', 20],
    ] as const) {
      const r = simulate(deliverySpec({ times: [1], indices: [0], Nin: 1, connect: { i: 0, j: 0 }, delay }));
      expect(firstChange(monitor(r, 'vm', 'state').values.v![0]!)).toBe(10 + steps + 1);
    }
  });

  it('several spikes in flight on one synapse are each delivered (queue longer than the spacing)', () => {
    // spikes at steps 10, 20, 30, 31, delay 50 steps: arrivals 60, 70, 80, 81.
    const r = simulate(
      deliverySpec({
        times: [1, 2, 3, 3.1],
        indices: [0, 0, 0, 0],
        Nin: 1,
        connect: { i: 0, j: 0 },
        delay: '5*ms',
        duration: '9*ms',
      }),
    );
    const v = monitor(r, 'vm', 'state').values.v![0]!;
    const jumps = v.flatMap((x, k) => (k > 0 && x !== v[k - 1] ? [[k, x - v[k - 1]!]] : []));
    expect(jumps).toEqual([
      [61, 1],
      [71, 1],
      [81, 1],
      [82, 1],
    ]);
  });

  it('per-synapse delays from an init expression ("j*2*ms")', () => {
    const r = simulate(
      deliverySpec({
        times: [0.5],
        indices: [0],
        Nin: 1,
        connect: { i: 0, j: [0, 1, 2, 3] },
        init: { delay: 'j*2*ms' },
      }),
    );
    expect(monitor(r, 'vm', 'state').values.v!.map(firstChange)).toEqual([6, 26, 46, 66]);
  });

  it('per-synapse delays are recorded as given, unrounded and in creation order', () => {
    const spec = deliverySpec({
      times: [0.5],
      indices: [0],
      Nin: 1,
      connect: { i: 0, j: [0, 1, 2, 3] },
      init: { delay: { values: [3.04, 1.01, 2, 1.03], unit: 'ms' } },
    });
    const r = simulate({
      ...spec,
      monitors: { ...(spec.monitors as Obj), d: { type: 'snapshot', source: 'S', variables: ['delay'] } },
    });
    const d = monitor(r, 'd', 'snapshot');
    expect(d.j).toEqual([0, 1, 2, 3]);
    d.values.delay!.forEach((x, k) => expect(x).toBeCloseTo([3.04, 1.01, 2, 1.03][k]! * 1e-3, 15));
    expect(monitor(r, 'vm', 'state').values.v!.map(firstChange)).toEqual([36, 16, 26, 16]);
  });

  it('an init array after a delay expression reaches the synapses it names (creation order)', () => {
    // The delays reverse each row's order; the weights, initialised after them, are given in
    // creation order (j = 0..3).
    const spec = deliverySpec({ times: [0.5], indices: [0], Nin: 1, connect: { i: 0, j: [0, 1, 2, 3] } });
    const S = (spec.synapses as Obj).S as Obj;
    const r = simulate({
      ...spec,
      synapses: { S: { ...S, init: { delay: '(3 - j)*ms', w: [1, 2, 3, 4] } } },
    });
    const v = monitor(r, 'vm', 'state').values.v!;
    expect(v.map(firstChange)).toEqual([36, 26, 16, 6]);
    expect(v.map((row) => row[row.length - 1])).toEqual([1, 2, 3, 4]);
  });

  it("a spike arriving with zero delay is seen by the next step's threshold (Brian 2 order)", () => {
    const r = simulate(
      deliverySpec({
        times: [1, 1],
        indices: [0, 1],
        connect: { i: [0, 1], j: [0, 1] },
        init: { delay: { values: [0, 2], unit: 'ms' } },
        threshold: 'v > 0.5',
        reset: 'v = 0',
      }),
    );
    const out = monitor(r, 'out', 'spikes');
    expect(out.i).toEqual([0, 1]);
    expect(out.t.map((t) => Math.round(t / 1e-4))).toEqual([11, 31]);
  });

  it('a delay longer than the run is never delivered', () => {
    const r = simulate(
      deliverySpec({
        times: [1],
        indices: [0],
        Nin: 1,
        connect: { i: 0, j: 0 },
        delay: '10*ms',
        duration: '5*ms',
      }),
    );
    expect(monitor(r, 'vm', 'state').values.v![0]!.every((x) => x === 0)).toBe(true);
    expect(r.stats.synaptic_events).toBe(0);
  });
});

describe('deliveries onto one target', () => {
  it('two synapses onto one target in one step both count', () => {
    const r = simulate(
      deliverySpec({
        times: [1, 1],
        indices: [0, 1],
        connect: { i: [0, 1], j: [2, 2] },
        init: { w: { values: [0.25, 0.5], unit: '1' } },
      }),
    );
    const v = monitor(r, 'vm', 'state').values.v![2]!;
    expect(v[10]).toBe(0);
    expect(v[11]).toBe(0.75);
    expect(r.stats.synaptic_events).toBe(2);
  });

  it('n synapses on one pair, and different delays arriving together, all count', () => {
    // 3 synapses 0→0 with no delay; a spike of 1 at step 10 and one of 0 at step 20 with delay 1 ms
    // both arrive in step 20.
    const r = simulate(
      deliverySpec({
        times: [1, 2],
        indices: [1, 0],
        connect: [
          { i: 0, j: 0, n: 3 },
          { i: 1, j: 0 },
        ],
        init: { delay: { values: [0, 0, 0, 1], unit: 'ms' } },
      }),
    );
    const v = monitor(r, 'vm', 'state').values.v![0]!;
    // step 20: the spike of neuron 0 (3 synapses, no delay) and the spike of neuron 1 (from step 10, delay 10 steps)
    expect(firstChange(v)).toBe(21);
    expect(v[21]).toBe(4);
  });

  it('statements run in order per synapse: later synapses see earlier updates', () => {
    const r = simulate(
      deliverySpec({
        times: [1, 1],
        indices: [0, 1],
        connect: { i: [0, 1], j: [0, 0] },
        onPre: 'v_post = 2*v_post + w',
      }),
    );
    // v = 2·0 + 1 = 1, then v = 2·1 + 1 = 3
    expect(monitor(r, 'vm', 'state').values.v![0]![11]).toBe(3);
  });
});

/** A target group that spikes at known steps: v ramps by 0.01 per step from 0, threshold v > 0.255,
 *  reset v = 0 — spikes at steps 25, 51, 77, … (neuron 1 starts at -10 and stays silent). */
const RAMP = { model: 'dv/dt = 1/(10*ms) : 1', threshold: 'v > 0.255', reset: 'v = 0', init: { v: '-10*i' } };

describe('on_post', () => {
  it('runs for every synapse onto a spiking target, without delay', () => {
    const r = simulate({
      version: 1,
      duration: '8*ms',
      seed: 1,
      groups: {
        In: { type: 'spikes', N: 3, indices: [], times: { values: [], unit: 'ms' } },
        G: { type: 'neurons', N: 2, ...RAMP },
      },
      synapses: {
        S: {
          source: 'In',
          target: 'G',
          model: 'w : 1\nlast : second',
          on_post: 'w += 1; last = t',
          connect: {},
          delay: '3*ms',
        },
      },
      monitors: {
        snap: { type: 'snapshot', source: 'S', variables: ['w', 'last'] },
        out: { type: 'spikes', source: 'G' },
      },
    });
    const out = monitor(r, 'out', 'spikes');
    expect(out.t.map((t) => Math.round(t / 1e-4))).toEqual([25, 51, 77]);
    const s = monitor(r, 'snap', 'snapshot');
    expect(s.j).toEqual([0, 1, 0, 1, 0, 1]);
    expect(s.values.w).toEqual([3, 0, 3, 0, 3, 0]);
    s.values.last!.forEach((t, k) => expect(t).toBeCloseTo(s.j![k] === 0 ? 7.7e-3 : 0, 15));
  });

  it('deferred to the next presynaptic delivery (decisions/0005), also when the source never spikes', () => {
    const r = simulate({
      version: 1,
      duration: '8*ms',
      seed: 1,
      groups: {
        In: { type: 'spikes', N: 3, indices: [], times: { values: [], unit: 'ms' } },
        G: { type: 'neurons', N: 2, ...RAMP },
      },
      synapses: {
        S: { source: 'In', target: 'G', model: 'w : 1', on_post: 'w = 2*w + 1', connect: {} },
      },
      monitors: {
        w: { type: 'state', source: 'S', variables: ['w'], record: [0] },
        snap: { type: 'snapshot', source: 'S', variables: ['w'] },
      },
    });
    expect(monitor(r, 'snap', 'snapshot').values.w).toEqual([7, 0, 7, 0, 7, 0]);
    // seen up to date by a state monitor: 1, 3, 7 from the samples after the spikes (25, 51, 77)
    const w = monitor(r, 'w', 'state').values.w![0]!;
    expect([w[25], w[26], w[52], w[78]]).toEqual([0, 1, 3, 7]);
  });
});

describe('event-driven STDP traces', () => {
  // Brian 2's standard form (NETWORK-SPEC.md), wmax large enough not to clip.
  const taupre = 0.02;
  const taupost = 0.02;
  const Apre = 0.01;
  const Apost = -0.0105;
  const spec = (preTimes: number[], postDrive: number[]): Obj => ({
    version: 1,
    duration: '10*ms',
    seed: 1,
    constants: { taupre: '20*ms', taupost: '20*ms', Apre, Apost, wmax: 1 },
    groups: {
      Pre: { type: 'spikes', N: 1, indices: preTimes.map(() => 0), times: { values: preTimes, unit: 'ms' } },
      Drive: {
        type: 'spikes',
        N: 1,
        indices: postDrive.map(() => 0),
        times: { values: postDrive, unit: 'ms' },
      },
      Post: { type: 'neurons', N: 1, model: 'v : 1', threshold: 'v > 1', reset: 'v = 0' },
    },
    synapses: {
      D: { source: 'Drive', target: 'Post', on_pre: 'v_post += 2', connect: { i: 0, j: 0 } },
      S: {
        source: 'Pre',
        target: 'Post',
        model:
          'w : 1\ndapre/dt = -apre/taupre : 1 (event-driven)\ndapost/dt = -apost/taupost : 1 (event-driven)',
        on_pre: 'apre += Apre\nw = clip(w + apost, -wmax, wmax)',
        on_post: 'apost += Apost\nw = clip(w + apre, -wmax, wmax)',
        connect: { i: 0, j: 0 },
      },
    },
    monitors: {
      post: { type: 'spikes', source: 'Post' },
      traces: { type: 'state', source: 'S', variables: ['apre', 'apost', 'w'] },
      snap: { type: 'snapshot', source: 'S', variables: ['w', 'apre', 'apost'] },
    },
  });

  it('decay exactly between events and update w as the rule says', () => {
    // Pre at 1 and 6 ms; Post is driven at 3.0 and 4.0 ms and spikes one step later, 3.1 and 4.1 ms.
    const r = simulate(spec([1, 6], [3, 4]));
    const post = monitor(r, 'post', 'spikes');
    expect(post.t.map((t) => Math.round(t / 1e-4))).toEqual([31, 41]);
    const ms = 1e-3;
    const dpre = (dt: number) => Math.exp(-dt / taupre);
    const dpost = (dt: number) => Math.exp(-dt / taupost);
    // pre at 1 ms: apre = Apre, w += apost (0)
    // post at 3.1 ms: apost = Apost, w += Apre·e^{-2.1/20}
    // post at 4.1 ms: apost = Apost·e^{-1/20} + Apost, w += Apre·e^{-3.1/20}
    // pre at 6 ms: apre = Apre·e^{-5/20} + Apre, w += apost·e^{-1.9/20}
    const apost41 = Apost * dpost(1 * ms) + Apost;
    const w = Apre * dpre(2.1 * ms) + Apre * dpre(3.1 * ms) + apost41 * dpost(1.9 * ms);
    const s = monitor(r, 'snap', 'snapshot');
    expect(Math.abs(s.values.w![0]! - w)).toBeLessThan(1e-15);
    expect(Math.abs(s.values.apre![0]! - (Apre * dpre(5 * ms) + Apre))).toBeLessThan(1e-15);
    expect(Math.abs(s.values.apost![0]! - apost41 * dpost(1.9 * ms))).toBeLessThan(1e-15);
  });

  it('traces are stored values: they change only at events (a state monitor sees steps)', () => {
    const r = simulate(spec([1, 6], [3, 4]));
    const tr = monitor(r, 'traces', 'state');
    const apre = tr.values.apre![0]!;
    const changes = apre.flatMap((x, k) => (k > 0 && x !== apre[k - 1] ? [k] : []));
    // updated at the pre spike (step 10), the post spikes (31, 41: decayed to t) and the pre spike at 60
    expect(changes).toEqual([11, 32, 42, 61]);
    expect(apre[11]).toBe(Apre);
    const apost = tr.values.apost![0]!;
    expect(apost.flatMap((x, k) => (k > 0 && x !== apost[k - 1] ? [k] : []))).toEqual([32, 42, 61]);
  });

  it('a pre and a post spike in the same step: on_pre runs first, then on_post (Brian 2.5.1: w = Apre)', () => {
    const r = simulate(spec([3.1], [3]));
    expect(monitor(r, 'post', 'spikes').t.map((t) => Math.round(t / 1e-4))).toEqual([31]);
    const s = monitor(r, 'snap', 'snapshot');
    expect(s.values.w![0]).toBe(Apre);
    expect(s.values.apre![0]).toBe(Apre);
    expect(s.values.apost![0]).toBe(Apost);
  });

  it('clip bounds the weight', () => {
    const r = simulate({
      ...spec([1, 2, 3], [1.5]),
      constants: { taupre: '20*ms', taupost: '20*ms', Apre: 0.5, Apost: -0.6, wmax: 0.3 },
    });
    const w = monitor(r, 'snap', 'snapshot').values.w![0]!;
    expect(w).toBeGreaterThanOrEqual(-0.3);
    expect(w).toBeLessThanOrEqual(0.3);
  });
});

describe('summed variables', () => {
  it('the target parameter is the sum over its synapses, from values at t_k, before the target update', () => {
    // Pre: v_k = i + 0.1·k (exact). Isyn_post = sum_j w·v_pre, w = 1 + j + 10·i.
    const r = simulate({
      version: 1,
      duration: '1*ms',
      seed: 1,
      groups: {
        Pre: { type: 'neurons', N: 3, model: 'dv/dt = 1/ms : 1', init: { v: 'i' } },
        Post: { type: 'neurons', N: 2, model: 'Isyn : 1\ndu/dt = Isyn/ms : 1' },
      },
      synapses: {
        S: {
          source: 'Pre',
          target: 'Post',
          model: 'w : 1\nIsyn_post = w*v_pre : 1 (summed)',
          connect: { condition: 'i != j' },
          init: { w: '1 + j + 10*i' },
        },
      },
      monitors: { m: { type: 'state', source: 'Post', variables: ['Isyn', 'u'] } },
    });
    const m = monitor(r, 'm', 'state');
    const expected = (j: number, k: number): number => {
      let s = 0;
      for (let i = 0; i < 3; i++) if (i !== j) s += (1 + j + 10 * i) * (i + 0.1 * k);
      return s;
    };
    for (let j = 0; j < 2; j++) {
      const I = m.values.Isyn![j]!;
      const u = m.values.u![j]!;
      expect(I[0]).toBe(0); // recorded before the first summation
      for (let k = 1; k < I.length; k++) expect(I[k]).toBeCloseTo(expected(j, k - 1), 10);
      // u integrates Isyn(t_k) over each step: u_{k+1} = u_k + 0.1·Isyn(t_k)
      for (let k = 1; k < u.length; k++) expect(u[k]! - u[k - 1]!).toBeCloseTo(0.1 * expected(j, k - 1), 9);
    }
  });
});

describe('a large build', () => {
  it('64 000 neurons × 80 synapses each (p = 80/64000) builds', () => {
    const N = 64_000;
    const spec: Obj = {
      version: 1,
      duration: '0.1*ms',
      seed: 12,
      groups: { P: { type: 'neurons', N, model: 'v : 1' } },
      synapses: { S: { source: 'P', target: 'P', on_pre: 'v_post += 1', connect: { p: 80 / N } } },
    };
    const t0 = performance.now();
    const p = program(spec);
    const t1 = performance.now();
    const net = p.build();
    const t2 = performance.now();
    const count = net.synapses[0]!.count;
    console.log(
      `64000 × 80 connect: compile ${(t1 - t0).toFixed(0)} ms, build ${(t2 - t1).toFixed(0)} ms, ${count} synapses`,
    );
    const mean = N * 80;
    expect(Math.abs(count - mean)).toBeLessThan(3 * Math.sqrt(mean));
    expect(p.size.synapses).toBe(mean);
    // And it runs a step.
    const sim = createSimulation(p);
    sim.advance(1);
    expect(sim.done).toBe(true);
  });
});

describe('spike monitors of targets', () => {
  it('see input-driven spikes with the right indices', () => {
    const r = simulate(
      deliverySpec({
        times: [1, 2],
        indices: [1, 0],
        connect: { j: 'i + 2' },
        Nout: 4,
        threshold: 'v > 0.5',
        reset: 'v = 0',
      }),
    );
    const out: Spikes = monitor(r, 'out', 'spikes');
    expect(out.i).toEqual([3, 2]);
    expect(out.count).toEqual([0, 0, 1, 1]);
    const s: State = monitor(r, 'vm', 'state');
    expect(s.values.v![3]![11]).toBe(1);
    expect(s.values.v![3]![12]).toBe(0);
  });
});
