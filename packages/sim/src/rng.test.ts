/**
 * Seeded random numbers: one stream per (seed, labels), reproducible and independent; uniform and
 * normal moments. Then the network-level promises: a seeded run is bit-identical when repeated,
 * and adding a monitor (or an unrelated group) changes no spike, because every object draws from
 * its own stream.
 *
 * Statistical checks use fixed seeds, so they are deterministic; each bound is 5 standard errors
 * of the statistic (a correct generator fails one with probability below 1e-6 per check).
 */
import { describe, expect, it } from 'vitest';
import { compile, type Program } from './compile.js';
import type { Results } from './contract.js';
import { run } from './run.js';
import { GeometricSampler, Rng } from './rng.js';

const take = (n: number, f: () => number): number[] => Array.from({ length: n }, f);

function moments(xs: number[]): { mean: number; variance: number; skew: number; kurtosis: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const x of xs) {
    const d = x - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return { mean, variance: m2, skew: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) };
}

function correlation(a: number[], b: number[]): number {
  const ma = moments(a);
  const mb = moments(b);
  let c = 0;
  for (let k = 0; k < a.length; k++) c += (a[k]! - ma.mean) * (b[k]! - mb.mean);
  return c / a.length / Math.sqrt(ma.variance * mb.variance);
}

describe('Rng streams', () => {
  it('are determined by (seed, labels)', () => {
    const a = new Rng(42, 'G', 'dynamics');
    const b = new Rng(42, 'G', 'dynamics');
    expect(take(1000, () => a.u32())).toEqual(take(1000, () => b.u32()));
    expect(take(1000, () => a.rand())).toEqual(take(1000, () => b.rand()));
    expect(take(1001, () => a.randn())).toEqual(take(1001, () => b.randn()));
  });

  it('differ when the seed or any label differs (labels are not just concatenated)', () => {
    const first = (r: Rng) => take(8, () => r.u32());
    const streams = [
      new Rng(1, 'G', 'init'),
      new Rng(2, 'G', 'init'),
      new Rng(1, 'H', 'init'),
      new Rng(1, 'G', 'dynamics'),
      new Rng(1, 'G'),
      new Rng(1, 'Gi', 'nit'),
      new Rng(1, 'G', 'init', ''),
      new Rng(0, 'G', 'init'),
      new Rng(2 ** 32 - 1, 'G', 'init'),
    ].map(first);
    const keys = new Set(streams.map((s) => s.join(',')));
    expect(keys.size).toBe(streams.length);
  });

  it('every seed gives a working generator (0 and the largest seed included)', () => {
    for (const seed of [0, 1, 2 ** 31, 2 ** 32 - 1]) {
      const r = new Rng(seed, 'x');
      const xs = take(20_000, () => r.rand());
      expect(new Set(xs).size).toBe(xs.length);
      const m = moments(xs);
      expect(Math.abs(m.mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / xs.length));
    }
  });

  it('are independent of each other: no correlation between streams of neighbouring labels or seeds', () => {
    const n = 50_000;
    const bound = 5 / Math.sqrt(n);
    const base = new Rng(7, 'G', 'dynamics');
    const xs = take(n, () => base.rand());
    for (const other of [
      new Rng(7, 'H', 'dynamics'),
      new Rng(8, 'G', 'dynamics'),
      new Rng(7, 'G', 'init'),
      new Rng(7, 'G1', 'dynamics'),
    ]) {
      expect(
        Math.abs(
          correlation(
            xs,
            take(n, () => other.rand()),
          ),
        ),
      ).toBeLessThan(bound);
    }
    // … and within a stream: successive draws are uncorrelated.
    for (const lag of [1, 2, 3, 4])
      expect(Math.abs(correlation(xs.slice(lag), xs.slice(0, n - lag)))).toBeLessThan(bound);
  });

  it('rand(): uniform on [0, 1) — moments, bins and bits', () => {
    const n = 200_000;
    const r = new Rng(123, 'uniform');
    const xs = take(n, () => r.rand());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const m = moments(xs);
    expect(Math.abs(m.mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    // Var of the sample variance of U(0,1): (1/80 - 1/144)/n.
    expect(Math.abs(m.variance - 1 / 12)).toBeLessThan(5 * Math.sqrt((1 / 80 - 1 / 144) / n));
    // Chi-square over 100 bins: 99 degrees of freedom, sd sqrt(198).
    const bins = new Array<number>(100).fill(0);
    for (const x of xs) bins[Math.floor(x * 100)]!++;
    const chi2 = bins.reduce((a, c) => a + (c - n / 100) ** 2 / (n / 100), 0);
    expect(chi2).toBeLessThan(99 + 5 * Math.sqrt(198));
    // Each of the 32 bits of u32() is set half the time.
    const ones = new Array<number>(32).fill(0);
    const u = new Rng(123, 'bits');
    for (let k = 0; k < 50_000; k++) {
      const w = u.u32();
      expect(Number.isInteger(w) && w >= 0 && w < 2 ** 32).toBe(true);
      for (let b = 0; b < 32; b++) if ((w >>> b) & 1) ones[b]!++;
    }
    for (const c of ones) expect(Math.abs(c / 50_000 - 0.5)).toBeLessThan(5 * Math.sqrt(0.25 / 50_000));
  });

  it('randn(): standard normal — mean 0, variance 1, skewness 0, kurtosis 3, tails', () => {
    const n = 200_000;
    const r = new Rng(99, 'normal');
    const xs = take(n, () => r.randn());
    const m = moments(xs);
    expect(Math.abs(m.mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(m.variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(m.skew)).toBeLessThan(5 * Math.sqrt(6 / n));
    expect(Math.abs(m.kurtosis - 3)).toBeLessThan(5 * Math.sqrt(24 / n));
    // P(|x| > 2) = 0.0455
    const tail = xs.filter((x) => Math.abs(x) > 2).length / n;
    expect(Math.abs(tail - 0.0455)).toBeLessThan(5 * Math.sqrt((0.0455 * 0.9545) / n));
    // The two values of a Box–Muller pair are uncorrelated.
    const even = xs.filter((_, k) => k % 2 === 0);
    const odd = xs.filter((_, k) => k % 2 === 1);
    expect(Math.abs(correlation(even, odd))).toBeLessThan(5 / Math.sqrt(n / 2));
  });

  it('geometric(log(1 - p)): failures before the first success, mean (1 - p)/p', () => {
    for (const p of [0.5, 0.02, 0.00125]) {
      const r = new Rng(5, 'geometric', String(p));
      const n = 100_000;
      const xs = take(n, () => r.geometric(Math.log1p(-p)));
      expect(xs.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
      const mean = (1 - p) / p;
      const sd = Math.sqrt(1 - p) / p;
      expect(Math.abs(moments(xs).mean - mean)).toBeLessThan((5 * sd) / Math.sqrt(n));
      // P(X = 0) = p
      expect(Math.abs(xs.filter((x) => x === 0).length / n - p)).toBeLessThan(
        5 * Math.sqrt((p * (1 - p)) / n),
      );
    }
  });

  it('GeometricSampler draws the numbers geometric draws, for any p and either table', () => {
    for (const p of [0.9, 0.2, 0.02, 0.00125, 1e-9])
      for (const draws of [0, 1e7]) {
        const logq = Math.log1p(-p);
        const a = new Rng(9, 'geometric');
        const b = new Rng(9, 'geometric');
        const geo = new GeometricSampler(logq, draws);
        expect(take(50_000, () => geo.next(b))).toEqual(take(50_000, () => a.geometric(logq)));
      }
  });

  it('fillGeometric writes the positions of successive geometric gaps, resuming when its output is full', () => {
    const p = 0.1;
    const n = 5000;
    const geo = new GeometricSampler(Math.log1p(-p));
    const reference = new Rng(4, 'fill');
    const want: number[] = [];
    for (let j = geo.next(reference); j < n; j += 1 + geo.next(reference)) want.push(j + 7);
    const r = new Rng(4, 'fill');
    const got: number[] = [];
    for (let last = -1; ;) {
      const out = new Int32Array(13);
      const len = r.fillGeometric(geo, last, n, out, 0, 7);
      got.push(...out.subarray(0, len));
      if (len < out.length) break;
      last = out[len - 1]! - 7;
    }
    expect(got).toEqual(want);
    expect(r.u32()).toBe(reference.u32()); // the same number of draws
  });
});

type Obj = Record<string, unknown>;

/** A small network that draws random numbers everywhere: Poisson input, random initial values,
 *  random connectivity and weights, noise. */
function randomNetwork(seed: number | undefined, extraMonitors: Obj = {}, extraGroups: Obj = {}): Obj {
  return {
    version: 1,
    duration: '200*ms',
    ...(seed === undefined ? {} : { seed }),
    constants: { tau: '10*ms', sigma: '0.3' },
    groups: {
      P: { type: 'poisson', N: 50, rates: '(20 + i)*Hz' },
      G: {
        type: 'neurons',
        N: 40,
        model: 'dv/dt = (I - v)/tau + sigma*sqrt(2/tau)*xi : 1 (unless refractory)\nI : 1',
        threshold: 'v > 1',
        reset: 'v = 0',
        refractory: '2*ms',
        method: 'euler',
        init: { v: 'rand()', I: '0.6 + 0.3*randn()' },
      },
      ...extraGroups,
    },
    synapses: {
      S: {
        source: 'P',
        target: 'G',
        model: 'w : 1',
        on_pre: 'v_post += w',
        connect: { p: 0.2 },
        init: { w: '0.2*rand()' },
      },
      R: {
        source: 'G',
        target: 'G',
        model: 'w : 1',
        on_pre: 'v_post += w',
        connect: { condition: 'i != j', p: 0.1 },
        init: { w: '0.05*randn()' },
      },
    },
    monitors: {
      spk: { type: 'spikes', source: 'G' },
      inp: { type: 'spikes', source: 'P' },
      ...extraMonitors,
    },
  };
}

function program(spec: Obj): Program {
  const r = compile(spec);
  if (!r.ok) throw new Error(`compile failed: ${JSON.stringify(r.diagnostics)}`);
  return r.program;
}

const spikesOf = (r: Results, name = 'spk') => {
  const m = r.monitors[name];
  if (m?.type !== 'spikes') throw new Error(`no spike monitor ${name}`);
  return m;
};

describe('seeded runs', () => {
  it('are bit-identical when repeated (compiled twice, run twice)', () => {
    const spec = randomNetwork(2024, {
      vm: { type: 'state', source: 'G', variables: ['v', 'I'], record: [0, 7, 39] },
      w: { type: 'snapshot', source: 'S', variables: ['w'] },
    });
    const a = run(program(spec));
    const b = run(program(spec));
    expect(spikesOf(a).i.length).toBeGreaterThan(20);
    expect(spikesOf(a).i.length).toBeLessThan(40 * 0.2 * 500); // neither silent nor saturated
    expect(b.monitors).toEqual(a.monitors);
    expect(b.stats.spikes).toBe(a.stats.spikes);
    expect(b.stats.synaptic_events).toBe(a.stats.synaptic_events);
    expect(b.seed).toBe(2024);
  });

  it('differ between seeds', () => {
    const a = run(program(randomNetwork(1)));
    const b = run(program(randomNetwork(2)));
    expect(spikesOf(b)).not.toEqual(spikesOf(a));
  });

  it('without a seed: a seed is chosen, reported, and reproduces the run', () => {
    const p = program(randomNetwork(undefined));
    expect(Number.isInteger(p.seed)).toBe(true);
    const a = run(p);
    expect(a.seed).toBe(p.seed);
    const b = run(program(randomNetwork(a.seed)));
    expect(b.monitors).toEqual(a.monitors);
  });

  it('adding monitors changes no spike', () => {
    const plain = run(program(randomNetwork(77)));
    const watched = run(
      program(
        randomNetwork(77, {
          vm: { type: 'state', source: 'G', variables: ['v', 'not_refractory'] },
          rate: { type: 'rate', source: 'G', bin: '1*ms' },
          few: { type: 'spikes', source: 'G[0:10]' },
          syn: { type: 'state', source: 'S', variables: ['w'], record: [0, 1] },
          end: { type: 'snapshot', source: 'R', variables: ['w'] },
        }),
      ),
    );
    expect(spikesOf(watched)).toEqual(spikesOf(plain));
    expect(spikesOf(watched, 'inp')).toEqual(spikesOf(plain, 'inp'));
    expect(watched.stats.spikes).toBe(plain.stats.spikes);
    expect(watched.stats.synaptic_events).toBe(plain.stats.synaptic_events);
  });

  it('adding an unrelated random group changes no spike of the others (one stream per object)', () => {
    const plain = run(program(randomNetwork(77)));
    const more = run(
      program(
        randomNetwork(
          77,
          { other: { type: 'spikes', source: 'A' } },
          {
            A: {
              type: 'neurons',
              N: 30,
              model: 'dv/dt = -v/tau + sqrt(2/tau)*xi : 1',
              threshold: 'v > 1',
              reset: 'v = 0',
              init: { v: 'randn()' },
            },
            Q: { type: 'poisson', N: 10, rates: '50*Hz' },
          },
        ),
      ),
    );
    expect(spikesOf(more)).toEqual(spikesOf(plain));
    expect(spikesOf(more, 'inp')).toEqual(spikesOf(plain, 'inp'));
  });
});
