import { describe, expect, it } from 'vitest';
import { jsonChunks, jsonStream } from './json-stream.js';

const big = {
  id: 'x',
  seed: 1,
  dt: 0.0001,
  duration: 1,
  monitors: {
    spk: {
      type: 'spikes',
      i: Array.from({ length: 50_000 }, (_, k) => k % 100),
      t: Array.from({ length: 50_000 }, (_, k) => k * 1e-4),
      count: [1, 2],
    },
    vm: {
      type: 'state',
      t: [0, 0.1],
      record: [0, 1],
      values: {
        v: [
          [0, -0.065],
          [NaN, Infinity],
        ],
      },
    },
    empty: { type: 'rate', t: [], rate: [] },
  },
  stats: { steps: 10, spikes: 3, skipped: undefined },
};

describe('jsonChunks', () => {
  it.each([
    ['scalars', [1, 'two', null, true, -0.5e-9]],
    ['nested', { a: [1, [2, [3, {}]]], b: { c: [] }, d: 'é"\\\n' }],
    ['undefined and functions', { a: undefined, b: () => 1, c: [undefined, () => 1, 3] }],
    ['typed arrays', { f: new Float64Array([1.5, 2, NaN]), i: new Int32Array([1, -2]) }],
    ['a results document', big],
  ])('joined, equals JSON.stringify (%s)', (_name, value) => {
    const expected = JSON.stringify(value, (_k, v: unknown) =>
      ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v,
    );
    expect([...jsonChunks(value, { sliceSize: 7, chunkSize: 10 })].join('')).toBe(expected);
    expect([...jsonChunks(value)].join('')).toBe(expected);
  });

  it('emits bounded chunks instead of one string', () => {
    const chunks = [...jsonChunks(big, { chunkSize: 16 * 1024, sliceSize: 1024 })];
    expect(chunks.length).toBeGreaterThan(10);
    // A chunk overshoots its size by at most one slice.
    for (const chunk of chunks) expect(chunk.length).toBeLessThan(16 * 1024 + 1024 * 24);
  });

  it('is pulled lazily through a Readable', async () => {
    let text = '';
    for await (const chunk of jsonStream(big)) text += String(chunk);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(big)));
  });
});
