/**
 * CUBA (Vogels & Abbott 2005; the shipped cuba.json: 4000 neurons, 1 s) —
 * random initial v and random connectivity, so Volley and Brian 2 are compared
 * statistically. Brian's side is cuba.brian2-stats.json (scripts/cuba_stats.py:
 * 20 seeds, per seed the mean rate and the histogram of per-neuron spike counts).
 *
 * Volley runs the spec with seeds 1–5. Assertions, with m and sd Brian's
 * across-seed mean and standard deviation of the mean rate (5.58 Hz and
 * 0.21 Hz when generated):
 * 1. every Volley seed's mean rate within m ± 4·sd;
 * 2. the mean of Volley's 5 mean rates within m ± 4·sd·sqrt(1/5 + 1/20)
 *    (a two-sample test of the means at 4 standard errors);
 * 3. the two-sample Kolmogorov–Smirnov statistic between Volley's per-neuron
 *    spike counts pooled over its 5 seeds and Brian's pooled over 20 seeds is
 *    below 0.05. Neurons of one network are not independent, so the textbook
 *    critical value does not apply; the threshold is calibrated on Brian
 *    against itself: 5 of its seeds pooled vs the other 15, over 200 random
 *    splits, gives at most 0.028 (`ks_5_seeds_vs_rest` in the fixture).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  countHistogram,
  ksStatistic,
  mean,
  monitor,
  poolHistograms,
  readFixture,
  simulate,
  type Spec,
} from './reference.js';

interface CubaStats {
  N: number;
  duration: number;
  seeds: { seed: number; mean_rate_hz: number; count_hist: number[] }[];
  mean_rate_hz: { mean: number; sd: number };
  pooled_count_hist: number[];
  ks_5_seeds_vs_rest: { max: number };
}

const spec = readFixture<Spec>('cuba.spec.json');
const brian = readFixture<CubaStats>('cuba.brian2-stats.json');
const SEEDS = [1, 2, 3, 4, 5];
const K_SD = 4;
const KS_MAX = 0.05;

describe('CUBA: statistically equal to Brian 2', () => {
  const rates: number[] = [];
  const hists: number[][] = [];

  beforeAll(() => {
    for (const seed of SEEDS) {
      const { count } = monitor(simulate(spec, seed), 'spikes', 'spikes');
      rates.push(count.reduce((s, c) => s + c, 0) / brian.N / brian.duration);
      hists.push(countHistogram(count));
    }
  }, 600_000);

  it('the fixture is what the thresholds were calibrated on', () => {
    expect(brian.seeds.length).toBe(20);
    expect(brian.ks_5_seeds_vs_rest.max).toBeLessThan(KS_MAX / 1.5);
  });

  it(`every seed's mean rate within ${K_SD} sd of Brian's across-seed mean`, () => {
    const { mean: m, sd } = brian.mean_rate_hz;
    for (const [k, r] of rates.entries()) {
      expect(
        Math.abs(r - m),
        `seed ${SEEDS[k]}: ${r.toFixed(3)} Hz vs Brian ${m.toFixed(3)} ± ${sd.toFixed(3)} Hz`,
      ).toBeLessThanOrEqual(K_SD * sd);
    }
  });

  it('the mean over seeds agrees with Brian (two-sample, 4 standard errors)', () => {
    const { mean: m, sd } = brian.mean_rate_hz;
    const se = sd * Math.sqrt(1 / SEEDS.length + 1 / brian.seeds.length);
    expect(Math.abs(mean(rates) - m)).toBeLessThanOrEqual(K_SD * se);
  });

  it(`per-neuron spike counts: KS statistic against Brian below ${KS_MAX}`, () => {
    const d = ksStatistic(poolHistograms(hists), brian.pooled_count_hist);
    expect(d).toBeLessThan(KS_MAX);
  });
});
