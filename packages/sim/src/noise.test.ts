/**
 * Stochastic equations, checked statistically over many neurons with fixed seeds.
 *
 * Ornstein–Uhlenbeck: dv/dt = -v/tau + sigma*sqrt(2/tau)*xi. Its stationary variance is sigma²
 * and its autocorrelation at lag L is e^{-L/tau}. Euler–Maruyama with a = dt/tau is the AR(1)
 * process v ← (1 - a)·v + sigma·sqrt(2a)·n, whose stationary variance is sigma²/(1 - a/2) (0.5 %
 * above sigma² at a = 0.01) and lag-L autocorrelation (1 - a)^{L/dt}; the checks compare with the
 * discrete values. Brian 2's heun reduces to euler for additive noise.
 *
 * Tolerances are 5 standard errors of each estimate, with the inflation from the correlation
 * between successive samples (samples every tau, correlation e^{-1}) included.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from './compile.js';
import type { MonitorResult } from './contract.js';
import { run } from './run.js';

type Obj = Record<string, unknown>;
type State = Extract<MonitorResult, { type: 'state' }>;

const N = 4000;
const TAU = 0.01;
const SIGMA = 0.5;
const DT = 1e-4;
const A = DT / TAU;

function ouSpec(
  method: string | undefined,
  model = 'dv/dt = -v/tau + sigma*sqrt(2/tau)*xi : 1',
  seed = 17,
): Obj {
  return {
    version: 1,
    dt: '0.1*ms',
    duration: '400*ms',
    seed,
    constants: { tau: '10*ms', sigma: SIGMA },
    // Start in the stationary distribution, so every sample counts.
    groups: { G: { type: 'neurons', N, model, init: { v: 'sigma*randn()' }, ...(method ? { method } : {}) } },
    monitors: { M: { type: 'state', source: 'G', variables: ['v'], dt: '10*ms' } },
  };
}

const memo = new Map<string, { trace: State; method: string | undefined }>();

/** Runs a spec (once: several tests look at the same runs). */
function simulate(spec: Obj): { trace: State; method: string | undefined } {
  const key = JSON.stringify(spec);
  const hit = memo.get(key);
  if (hit) return hit;
  const out = simulateOnce(spec);
  memo.set(key, out);
  return out;
}

function simulateOnce(spec: Obj): { trace: State; method: string | undefined } {
  const r = compile(spec);
  if (!r.ok) throw new Error(`compile failed: ${JSON.stringify(r.diagnostics)}`);
  const method = r.program.build().groups[0]!.method;
  const m = run(r.program).monitors.M;
  if (m?.type !== 'state') throw new Error('no state monitor');
  return { trace: m, method };
}

/** Pooled mean, variance and lag-1 (one sample = one tau) autocorrelation over neurons and samples. */
function statistics(s: State): { mean: number; variance: number; lag1: number; samples: number } {
  const rows = s.values.v!;
  let n = 0;
  let sum = 0;
  for (const row of rows) {
    for (const x of row) {
      sum += x;
      n++;
    }
  }
  const mean = sum / n;
  let ss = 0;
  let cross = 0;
  let pairs = 0;
  for (const row of rows) {
    for (let k = 0; k < row.length; k++) {
      ss += (row[k]! - mean) ** 2;
      if (k > 0) {
        cross += (row[k]! - mean) * (row[k - 1]! - mean);
        pairs++;
      }
    }
  }
  const variance = ss / n;
  return { mean, variance, lag1: cross / pairs / variance, samples: n };
}

describe.each(['euler', 'heun'])('Ornstein–Uhlenbeck process, method %s', (method) => {
  let trace: State;
  let used: string | undefined;
  let st: ReturnType<typeof statistics>;
  beforeAll(() => {
    ({ trace, method: used } = simulate(ouSpec(method)));
    st = statistics(trace);
  });
  const rho = (1 - A) ** 100; // lag of one sample (10 ms = 100 steps): 0.366
  // Squared values of samples one tau apart are correlated by rho²: the variance estimate's
  // standard error grows by sqrt(1 + 2·rho²/(1 - rho²)), the mean's by sqrt(1 + 2·rho/(1 - rho)).
  const inflVar = Math.sqrt(1 + (2 * rho ** 2) / (1 - rho ** 2));
  const inflMean = Math.sqrt(1 + (2 * rho) / (1 - rho));
  const discreteVariance = SIGMA ** 2 / (1 - A / 2);

  it('uses the requested method', () => {
    expect(used).toBe(method);
    expect(trace.t).toHaveLength(40);
    expect(st.samples).toBe(40 * N);
  });

  it('has mean 0 (5 standard errors)', () => {
    const se = (Math.sqrt(discreteVariance) / Math.sqrt(st.samples)) * inflMean;
    expect(Math.abs(st.mean)).toBeLessThan(5 * se);
  });

  it('has the stationary variance sigma² (discrete: sigma²/(1 - dt/(2 tau))), within 5 standard errors', () => {
    const se = discreteVariance * Math.sqrt(2 / st.samples) * inflVar; // ≈ 0.4 %
    expect(Math.abs(st.variance - discreteVariance)).toBeLessThan(5 * se);
    // And the continuous-time value, allowing the 0.5 % discretisation bias on top.
    expect(Math.abs(st.variance / SIGMA ** 2 - 1)).toBeLessThan(5 * (se / discreteVariance) + A / 2 + 1e-9);
  });

  it('decorrelates as e^{-lag/tau}', () => {
    // Standard error of a lag-1 autocorrelation estimate ≈ (1 - rho²)/sqrt(pairs), inflated as the variance.
    const se = ((1 - rho ** 2) / Math.sqrt((st.samples * 39) / 40)) * inflVar;
    expect(Math.abs(st.lag1 - rho)).toBeLessThan(5 * se);
    expect(Math.abs(st.lag1 - Math.exp(-1))).toBeLessThan(5 * se + 0.003);
  });
});

describe('noise', () => {
  it('heun with additive noise gives the euler values (Brian 2: the same update)', () => {
    const e = simulate(ouSpec('euler')).trace.values.v!;
    const h = simulate(ouSpec('heun')).trace.values.v!;
    for (let n = 0; n < 50; n++) {
      e[n]!.forEach((x, k) => expect(Math.abs(h[n]![k]! - x)).toBeLessThanOrEqual(1e-12));
    }
  });

  it('the default method for additive noise is euler, with the same values', () => {
    const d = simulate(ouSpec(undefined));
    expect(d.method).toBe('euler');
    expect(d.trace.values.v!.slice(0, 50)).toEqual(simulate(ouSpec('euler')).trace.values.v!.slice(0, 50));
  });

  it('different noise symbols (xi_a, xi_b) are independent sources', () => {
    // Two sources of diffusion sigma²/tau each give the same variance as one of 2·sigma²/tau; the
    // same source twice would double the variance.
    const { trace } = simulate(ouSpec('euler', 'dv/dt = -v/tau + sigma*sqrt(1/tau)*(xi_a + xi_b) : 1'));
    const st = statistics(trace);
    const discreteVariance = SIGMA ** 2 / (1 - A / 2);
    expect(Math.abs(st.variance - discreteVariance)).toBeLessThan(
      5 * discreteVariance * Math.sqrt(2 / st.samples) * 1.2,
    );
  });

  it('each neuron gets its own noise: neighbours are uncorrelated', () => {
    const { trace } = simulate(ouSpec('euler'));
    const rows = trace.values.v!;
    let c = 0;
    let s0 = 0;
    let s1 = 0;
    let pairs = 0;
    for (let n = 0; n + 1 < N; n += 2) {
      for (let k = 1; k < rows[n]!.length; k++) {
        c += rows[n]![k]! * rows[n + 1]![k]!;
        s0 += rows[n]![k]! ** 2;
        s1 += rows[n + 1]![k]! ** 2;
        pairs++;
      }
    }
    const r = c / Math.sqrt(s0 * s1);
    expect(Math.abs(r)).toBeLessThan(5 / Math.sqrt(pairs / 1.8));
  });

  it('heun integrates multiplicative noise in the Stratonovich sense: dx/dt = s*x*xi gives log x ~ N(0, s²t)', () => {
    // Stratonovich solution x = x0·exp(s·W(t)): E[log x] = 0, Var[log x] = s²·t = 1 at t = 0.25 s.
    // (Itô would give E[log x] = -s²t/2 = -0.5.)
    const n = 4000;
    const spec: Obj = {
      version: 1,
      duration: '250*ms',
      seed: 5,
      constants: { s: '2/sqrt(second)' },
      groups: { G: { type: 'neurons', N: n, model: 'dx/dt = s*x*xi : 1', init: { x: '1' } } },
      monitors: { end: { type: 'snapshot', source: 'G', variables: ['x'] } },
    };
    const r = compile(spec);
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    expect(r.program.build().groups[0]!.method).toBe('heun');
    const snap = run(r.program).monitors.end;
    if (snap?.type !== 'snapshot') throw new Error('no snapshot');
    const logs = snap.values.x!.map((x) => Math.log(x));
    const mean = logs.reduce((a, b) => a + b, 0) / n;
    const variance = logs.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n)); // 0.08
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n)); // 0.11
  });
});
