/**
 * Poisson groups (test/fixtures/brian2/poisson.spec.json; no Brian 2 run is
 * needed: Brian's rule is "a neuron spikes in a step iff rand() < rate·dt, one
 * independent draw per neuron per step", BRIAN2-SEMANTICS.md item 6).
 *
 * With n = N·steps independent draws of probability p = rate·dt, the total
 * spike count is Binomial(n, p), so the measured mean rate has standard error
 * SE = sqrt(p(1-p)/n)/dt. Assertions:
 * - P (1000 neurons, 20 Hz, 1 s): mean rate within 3 SE (±0.42 Hz) of 20 Hz;
 *   the per-neuron counts' variance / np(1-p) within 1 ± 3·sqrt(2/(N-1))
 *   (chi-square bounds: catches draws shared between neurons or steps);
 *   every spike time on the k·dt grid; the rate monitor's mean equals the
 *   spike count's mean rate (1e-9 relative).
 * - Q (rates "(i % 5)*10*Hz", 100 neurons per class): each class's mean rate
 *   within 3 SE of 10·c Hz, class 0 silent; `record: false` keeps no spikes.
 * - The same seed gives bit-identical results, another seed different spikes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Results } from '@volley/sim';
import { mean, monitor, offGrid, readFixture, simulate, type Spec } from './reference.js';

const spec = readFixture<Spec>('poisson.spec.json');
const DT = 1e-4;
const DURATION = 1;
const STEPS = 10_000;

/** Standard error of the mean rate of `neurons` Poisson neurons at `rate` over the run. */
function standardError(rate: number, neurons: number): number {
  const p = rate * DT;
  return Math.sqrt((p * (1 - p)) / (neurons * STEPS)) / DT;
}

describe('Poisson groups', () => {
  let a: Results;
  beforeAll(() => {
    a = simulate(spec, 1);
  });

  it('P: mean rate within 3 standard errors of 20 Hz', () => {
    const { count } = monitor(a, 'p', 'spikes');
    expect(count.length).toBe(1000);
    const rate = mean(count) / DURATION;
    expect(Math.abs(rate - 20)).toBeLessThanOrEqual(3 * standardError(20, 1000));
  });

  it('P: per-neuron counts are binomially dispersed (independent draws)', () => {
    const { count } = monitor(a, 'p', 'spikes');
    const m = mean(count);
    const variance = count.reduce((s, c) => s + (c - m) ** 2, 0) / (count.length - 1);
    const p = 20 * DT;
    const ratio = variance / (STEPS * p * (1 - p));
    expect(Math.abs(ratio - 1)).toBeLessThanOrEqual(3 * Math.sqrt(2 / (count.length - 1)));
  });

  it('P: spikes on the time grid, counts consistent with i, rate monitor consistent with counts', () => {
    const m = monitor(a, 'p', 'spikes');
    expect(m.i.length).toBe(m.t.length);
    expect(m.i.length).toBe(m.count.reduce((s, c) => s + c, 0));
    expect(offGrid(m.t, DT)).toBeLessThanOrEqual(1e-9 * DT);
    for (let k = 1; k < m.t.length; k++) {
      const ordered = m.t[k] > m.t[k - 1] || (m.t[k] === m.t[k - 1] && m.i[k] > m.i[k - 1]);
      if (!ordered) expect.fail(`spike ${k} out of order (by step, then index)`);
    }
    const r = monitor(a, 'prate', 'rate');
    expect(r.rate.length).toBe(100);
    expect(r.t[1] - r.t[0]).toBeCloseTo(0.01, 12);
    const fromCounts = m.i.length / 1000 / DURATION;
    expect(Math.abs(mean(r.rate) - fromCounts)).toBeLessThanOrEqual(1e-9 * fromCounts);
  });

  it('Q: rates depending on i, 0 to 40 Hz by class, within 3 standard errors', () => {
    const q = monitor(a, 'q', 'spikes');
    expect(q.i).toEqual([]);
    expect(q.t).toEqual([]);
    expect(q.count.length).toBe(500);
    for (let c = 0; c < 5; c++) {
      const counts = q.count.filter((_, i) => i % 5 === c);
      const rate = mean(counts) / DURATION;
      if (c === 0) expect(rate).toBe(0);
      else expect(Math.abs(rate - 10 * c), `class ${c}`).toBeLessThanOrEqual(3 * standardError(10 * c, 100));
    }
  });

  it('the same seed reproduces the run bit for bit', () => {
    const b = simulate(spec, 1);
    expect(b.seed).toBe(1);
    expect(b.monitors).toEqual(a.monitors);
  });

  it('another seed gives other spikes', () => {
    const c = simulate(spec, 2);
    expect(c.seed).toBe(2);
    expect(monitor(c, 'p', 'spikes').t).not.toEqual(monitor(a, 'p', 'spikes').t);
    expect(monitor(c, 'q', 'spikes').count).not.toEqual(monitor(a, 'q', 'spikes').count);
  });
});
