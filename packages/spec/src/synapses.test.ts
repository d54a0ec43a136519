import { describe, expect, it } from 'vitest';
import { ConnectSchema, SynapsesSchema } from './index.js';

/** Brian 2.5's Synapses.connect rules, as `{call, ok | field the error points at}`. */
const calls: [string, Record<string, unknown>, true | string][] = [
  ['all pairs', {}, true],
  ['all pairs, twice each', { n: 2 }, true],
  ['with probability', { p: 0.02 }, true],
  ['p = 0 and p = 1', { p: 0 }, true],
  ['condition and p', { condition: 'i != j', p: 0.1 }, true],
  ['condition and an n expression', { condition: 'abs(i-j) < 3', n: 'i + 1' }, true],
  ['a scalar i broadcast over j', { i: 0, j: [1, 2] }, true],
  ['a scalar j broadcast over i', { i: [0, 1, 2], j: 3 }, true],
  ['one pair', { i: 0, j: 0 }, true],
  ['pairs', { i: [0, 1], j: [1, 0] }, true],
  ['length-1 arrays broadcast like numpy', { i: [0], j: [1, 2, 3] }, true],
  ['pairs kept with probability p', { i: [0, 1], j: [1, 0], p: 0.5 }, true],
  ['pairs with an integer n', { i: [0, 1], j: [1, 0], n: 3 }, true],
  ['one-to-one generator', { j: 'i' }, true],
  ['generator with n', { j: 'k for k in range(i-1, i+2) if k >= 0', n: 2 }, true],
  ['generator with p = 1 (the default)', { j: 'i', p: 1 }, true],
  ['i without j', { i: 0 }, 'i'],
  ['j indices without i', { j: [1, 2] }, 'j'],
  ['condition with i', { condition: 'i != j', i: 0 }, 'i'],
  ['condition with j', { condition: 'i != j', j: 'i' }, 'j'],
  ['a generator as condition', { condition: 'k for k in range(3)' }, 'condition'],
  ['generator with i', { i: 0, j: 'i' }, 'i'],
  ['generator with p', { j: 'i', p: 0.5 }, 'p'],
  ['pairs with an n expression', { i: 0, j: 1, n: 'i' }, 'n'],
  ['pairs of different lengths', { i: [0, 1], j: [1, 2, 3] }, 'j'],
  ['empty index list', { i: [], j: [] }, 'i'],
  ['n = 0', { n: 0 }, 'n'],
  ['fractional index', { i: 0.5, j: 1 }, 'i'],
  ['p as a string', { p: '0.1' }, 'p'],
  ['a boolean condition', { condition: true }, 'condition'],
];

describe('connect calls', () => {
  it.each(calls)('%s', (_name, call, expected) => {
    const result = ConnectSchema.safeParse(call);
    if (expected === true) {
      expect(result.error?.issues ?? []).toEqual([]);
    } else {
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.path[0])).toContain(expected);
    }
  });

  it('rejects a bad call inside a list, pointing at its position', () => {
    const result = SynapsesSchema.safeParse({ source: 'P', target: 'P', connect: [{}, { i: 0 }] });
    expect(result.error?.issues.map((i) => i.path)).toEqual([['connect', 1, 'i']]);
  });

  it('accepts an empty list of connect calls (no synapses)', () => {
    expect(SynapsesSchema.safeParse({ source: 'P', target: 'P', connect: [] }).success).toBe(true);
  });
});
