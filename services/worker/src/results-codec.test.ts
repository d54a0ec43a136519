import type { Results } from '@volley/sim';
import { describe, expect, it } from 'vitest';
import { packResults, unpackResults } from './results-codec.js';

const results: Results = {
  id: 'job-1',
  seed: 7,
  dt: 0.0001,
  duration: 0.05,
  monitors: {
    spk: { type: 'spikes', i: [0, 2, 1, 0], t: [0.0161, 0.0163, 0.0322, 0.1 + 0.2], count: [2, 1, 1] },
    vm: {
      type: 'state',
      t: [0, 0.0001, 0.0002],
      record: [0, 2],
      values: {
        v: [
          [0, 0.00995, -0],
          [NaN, Infinity, -Infinity],
        ],
      },
    },
    rate: { type: 'rate', t: [], rate: [] },
    w: { type: 'snapshot', values: { w: [0.004, 1e-300] }, i: [0, 0], j: [1, 2] },
    big: { type: 'spikes', i: [2147483647, -2147483648, 2147483648], t: [1, 2, 3], count: [] },
  },
  stats: {
    steps: 500,
    spikes: 2,
    synaptic_events: 0,
    build_time_s: 0.002,
    wall_time_s: 0.003,
    total_time_s: 0.006,
  },
};

describe('results codec', () => {
  it('round-trips bit-exactly, NaN, infinities and -0 included', () => {
    const back = unpackResults(packResults(results));
    expect(back).toEqual(results);
    const v = (back.monitors.vm as { values: Record<string, number[][]> }).values.v;
    expect(Object.is(v[0][2], -0)).toBe(true);
    expect(v[1][0]).toBeNaN();
  });

  it('is much smaller than JSON for long numeric arrays', () => {
    const n = 100_000;
    const big: Results = {
      ...results,
      monitors: {
        spk: {
          type: 'spikes',
          i: Array.from({ length: n }, (_, k) => k % 4000),
          t: Array.from({ length: n }, (_, k) => Math.floor(k / 40) * 1e-4),
          count: [],
        },
      },
    };
    const packed = packResults(big);
    expect(packed.byteLength).toBeLessThan(JSON.stringify(big).length / 3);
    expect(unpackResults(packed)).toEqual(big);
  });

  it('unpacks from an unaligned view', () => {
    const packed = packResults(results);
    const shifted = new Uint8Array(packed.byteLength + 3);
    shifted.set(packed, 3);
    expect(unpackResults(shifted.subarray(3))).toEqual(results);
  });
});
