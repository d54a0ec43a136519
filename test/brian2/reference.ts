/**
 * Shared helpers of the Brian 2 reference tests: read the committed fixtures
 * (test/fixtures/brian2, made by the scripts there — Brian 2 is not needed to
 * run the tests), run a spec through Volley, and compare results.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile, run, type MonitorResult, type Results } from '@volley/sim';

export const FIXTURES = fileURLToPath(new URL('../fixtures/brian2/', import.meta.url));

/** A network spec as JSON (we only touch `seed` and read a few fields). */
export type Spec = Record<string, unknown> & { seed?: number; name?: string };

export function readFixture<T>(file: string): T {
  return JSON.parse(readFileSync(FIXTURES + file, 'utf8')) as T;
}

/** Brian 2's results in our format, plus the fixture's `reference` block. */
export type BrianResults = Results & {
  reference?: { threshold_margin: number; targets: { max_rel_trace_diff: number } };
};

/** Compiles and runs `spec`; a failed compile fails the test with its diagnostics. */
export function simulate(spec: Spec, seed?: number): Results {
  const input = seed === undefined ? spec : { ...spec, seed };
  const compiled = compile(input);
  if (!compiled.ok) {
    throw new Error(`compile failed:\n${JSON.stringify(compiled.diagnostics, null, 2)}`);
  }
  return run(compiled.program, { id: `test-${spec.name ?? 'spec'}` });
}

export type SpikesResult = Extract<MonitorResult, { type: 'spikes' }>;
export type StateResult = Extract<MonitorResult, { type: 'state' }>;

export function monitor<T extends MonitorResult['type']>(
  results: Results,
  name: string,
  type: T,
): Extract<MonitorResult, { type: T }> {
  const m = results.monitors[name];
  if (m === undefined) throw new Error(`results have no monitor "${name}"`);
  if (m.type !== type) throw new Error(`monitor "${name}" is a ${m.type} monitor, expected ${type}`);
  return m as Extract<MonitorResult, { type: T }>;
}

/** `[step, index]` of every spike, in recording order. */
export function spikeSteps(m: SpikesResult, dt: number): [number, number][] {
  return m.t.map((t, k) => [Math.round(t / dt), m.i[k]]);
}

/** Largest |t - step·dt| over spike or sample times: t must be k·dt, not accumulated. */
export function offGrid(times: readonly number[], dt: number): number {
  let worst = 0;
  for (const t of times) worst = Math.max(worst, Math.abs(t - Math.round(t / dt) * dt));
  return worst;
}

export interface TraceMismatch {
  /** Sample index of the first value out of tolerance, and the values there. */
  sample: number;
  volley: number;
  brian: number;
  /** Largest |volley - brian| over the trace, and the allowed difference. */
  maxDiff: number;
  allowed: number;
}

/**
 * Compares one trace: |volley - brian| ≤ rtol · max|brian| at every sample (the
 * tolerance is relative to the trace's scale, so values crossing zero are fine).
 * Returns undefined when the traces agree.
 */
export function compareTrace(
  volley: readonly number[],
  brian: readonly number[],
  rtol: number,
): TraceMismatch | undefined {
  let scale = 0;
  for (const b of brian) scale = Math.max(scale, Math.abs(b));
  const allowed = rtol * scale;
  let maxDiff = 0;
  let first = -1;
  for (let k = 0; k < brian.length; k++) {
    const d = Math.abs((volley[k] ?? NaN) - brian[k]);
    if (!(d <= allowed) && first < 0) first = k;
    if (!(d <= maxDiff)) maxDiff = d;
  }
  if (volley.length !== brian.length) first = Math.max(first, Math.min(volley.length, brian.length));
  if (first < 0) return undefined;
  return { sample: first, volley: volley[first] ?? NaN, brian: brian[first] ?? NaN, maxDiff, allowed };
}

/** Histogram of per-neuron spike counts: `hist[k]` = number of neurons that fired k times. */
export function countHistogram(count: readonly number[]): number[] {
  const hist: number[] = [];
  for (const c of count) {
    while (hist.length <= c) hist.push(0);
    hist[c]++;
  }
  return hist;
}

/** Sums histograms of different lengths. */
export function poolHistograms(hists: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  for (const h of hists) {
    h.forEach((v, k) => {
      while (out.length <= k) out.push(0);
      out[k] += v;
    });
  }
  return out;
}

/** Two-sample Kolmogorov–Smirnov statistic between two histograms over the same bins. */
export function ksStatistic(a: readonly number[], b: readonly number[]): number {
  const na = a.reduce((s, x) => s + x, 0);
  const nb = b.reduce((s, x) => s + x, 0);
  let ca = 0;
  let cb = 0;
  let d = 0;
  for (let k = 0; k < Math.max(a.length, b.length); k++) {
    ca += a[k] ?? 0;
    cb += b[k] ?? 0;
    d = Math.max(d, Math.abs(ca / na - cb / nb));
  }
  return d;
}

export const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
