import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jsonPieces, writeJson } from './json-writer.js';

const cases: [string, unknown][] = [
  ['scalars', { a: 1, b: -0, c: 1e21, d: 1.5e-7, e: 'x"y\n', f: true, g: null }],
  ['non-finite as null', { a: NaN, b: [Infinity, -Infinity, 1] }],
  ['undefined skipped in objects, null in arrays', { a: undefined, b: [undefined, 2] }],
  [
    'long number arrays',
    {
      t: Array.from({ length: 10_000 }, (_, k) => k * 1e-4),
      i: Array.from({ length: 9000 }, (_, k) => k % 97),
    },
  ],
  ['nested traces', { values: { v: [Array.from({ length: 5000 }, (_, k) => Math.sin(k)), [0.5]] } }],
  ['empty', { a: [], b: {} }],
];

describe('jsonPieces', () => {
  it.each(cases)('%s: same text as JSON.stringify', (_name, value) => {
    expect([...jsonPieces(value)].join('')).toBe(JSON.stringify(value));
  });

  it('writes typed arrays as arrays', () => {
    expect([...jsonPieces({ x: new Float64Array([1, 0.5]) })].join('')).toBe('{"x":[1,0.5]}');
  });
});

describe('writeJson', () => {
  it('streams with backpressure and ends with a newline', async () => {
    const value = { t: Array.from({ length: 200_000 }, (_, k) => k / 7) };
    const sink = new PassThrough({ highWaterMark: 1024 });
    const chunks: Buffer[] = [];
    let writes = 0;
    sink.on('data', (c: Buffer) => {
      writes++;
      chunks.push(c);
    });
    await writeJson(sink, value);
    sink.end();
    expect(Buffer.concat(chunks).toString()).toBe(JSON.stringify(value) + '\n');
    expect(writes).toBeGreaterThan(10);
  });
});
