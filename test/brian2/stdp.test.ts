/**
 * STDP (Song, Miller & Abbott 2000; the shipped stdp-song2000.json: 1000
 * Poisson inputs at 15 Hz onto one neuron, 100 s) — Poisson input and random
 * initial weights, so compared statistically with Brian 2's
 * stdp-song2000.brian2-stats.json (scripts/stdp_stats.py, cython, 5 seeds:
 * per seed the histogram of final w/gmax in 20 bins and the output rate).
 *
 * Volley runs seeds 1 and 2. Assertions:
 * 1. bimodal weights, per seed: at least 20 % of the synapses in the lowest two
 *    bins (w < 0.1·gmax; Brian: 27–28 %), at least 10 % in the highest two
 *    (w ≥ 0.9·gmax; Brian: 16–18 %), and each of those ends holding more than
 *    twice the mean mass of the middle ten bins (0.25–0.75 gmax);
 * 2. L1 distance between Volley's normalised histogram (mean of its 2 seeds)
 *    and Brian's (mean of 5) at most 0.2. Calibration: Brian against itself,
 *    2 seeds vs the other 3, gives at most 0.12 (`l1_2_seeds_vs_rest`);
 *    multinomial noise alone is ~0.08 for 2000 vs 5000 weights;
 * 3. each seed's output rate within 4 sd of Brian's across-seed mean
 *    (30.9 ± 2.0 Hz when generated, so ±7.8 Hz).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mean, monitor, readFixture, simulate, type Spec } from './reference.js';

interface StdpStats {
  bins: number;
  gmax: number;
  duration: number;
  seeds: { seed: number; w_hist: number[]; out_rate_hz: number }[];
  mean_normalised_hist: number[];
  l1_2_seeds_vs_rest: { max: number };
  out_rate_hz: { mean: number; sd: number };
}

const spec = readFixture<Spec>('stdp-song2000.spec.json');
const brian = readFixture<StdpStats>('stdp-song2000.brian2-stats.json');
const SEEDS = [1, 2];
const L1_MAX = 0.2;
const K_SD = 4;

function histogram(w: readonly number[], gmax: number, bins: number): number[] {
  const h = new Array<number>(bins).fill(0);
  for (const x of w) h[Math.min(bins - 1, Math.max(0, Math.floor((x / gmax) * bins)))]++;
  return h.map((c) => c / w.length);
}

describe('STDP (Song 2000): weight distribution and output rate like Brian 2', () => {
  const hists: number[][] = [];
  const rates: number[] = [];

  beforeAll(() => {
    for (const seed of SEEDS) {
      const r = simulate(spec, seed);
      const w = monitor(r, 'weights', 'snapshot').values.w;
      expect(w.length).toBe(1000);
      hists.push(histogram(w, brian.gmax, brian.bins));
      rates.push(monitor(r, 'out', 'spikes').t.length / brian.duration);
    }
  }, 1_200_000);

  it('the fixture is what the thresholds were calibrated on', () => {
    expect(brian.seeds.length).toBeGreaterThanOrEqual(5);
    expect(brian.l1_2_seeds_vs_rest.max).toBeLessThan(L1_MAX / 1.5);
  });

  it('weights are bimodal: mass at both ends, little in the middle', () => {
    for (const [k, h] of hists.entries()) {
      const low = h[0] + h[1];
      const high = h[brian.bins - 2] + h[brian.bins - 1];
      const middle = mean(h.slice(5, 15));
      const label = `seed ${SEEDS[k]}: ${h.map((x) => x.toFixed(3)).join(' ')}`;
      expect(low, label).toBeGreaterThanOrEqual(0.2);
      expect(high, label).toBeGreaterThanOrEqual(0.1);
      expect(h[0], label).toBeGreaterThan(2 * middle);
      expect(h[brian.bins - 1], label).toBeGreaterThan(2 * middle);
    }
  });

  it(`histogram of w/gmax within L1 ${L1_MAX} of Brian's`, () => {
    const mine = brian.mean_normalised_hist.map((_, b) => mean(hists.map((h) => h[b])));
    const l1 = mine.reduce((s, x, b) => s + Math.abs(x - brian.mean_normalised_hist[b]), 0);
    expect(l1).toBeLessThanOrEqual(L1_MAX);
  });

  it(`output rate within ${K_SD} sd of Brian's`, () => {
    const { mean: m, sd } = brian.out_rate_hz;
    for (const [k, r] of rates.entries()) {
      expect(
        Math.abs(r - m),
        `seed ${SEEDS[k]}: ${r} Hz vs Brian ${m.toFixed(2)} ± ${sd.toFixed(2)} Hz`,
      ).toBeLessThanOrEqual(K_SD * sd);
    }
  });
});
