/**
 * Writes a JSON document to a stream piece by piece, so a results document with millions of
 * spike times never exists as one string. The output is byte-identical to `JSON.stringify(value)`
 * for plain data (numbers through `Number#toString`, non-finite numbers as `null`, `undefined`
 * properties skipped); typed arrays are written as arrays.
 */
import type { Writable } from 'node:stream';

/** Flush to the stream once this many characters are pending. */
const FLUSH_AT = 1 << 16;
/** Numbers formatted per slice of a long array. */
const SLICE = 4096;

function isNumberArray(v: unknown): v is ArrayLike<number> {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return true;
  if (!Array.isArray(v) || v.length < 64) return false;
  // Sampled: the results' big arrays are all-number; a mistake here only costs speed.
  return (
    typeof v[0] === 'number' && typeof v[v.length - 1] === 'number' && typeof v[v.length >> 1] === 'number'
  );
}

function num(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

/** Yields the document's text in pieces. */
export function* jsonPieces(value: unknown): Generator<string, void, undefined> {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number') yield num(value);
    else if (typeof value === 'bigint') yield value.toString();
    else yield JSON.stringify(value) ?? 'null';
    return;
  }
  if (isNumberArray(value)) {
    yield '[';
    for (let start = 0; start < value.length; start += SLICE) {
      const end = Math.min(value.length, start + SLICE);
      let s = start === 0 ? '' : ',';
      for (let k = start; k < end; k++) s += (k === start ? '' : ',') + num(Number(value[k]));
      yield s;
    }
    yield ']';
    return;
  }
  if (Array.isArray(value)) {
    yield '[';
    for (let k = 0; k < value.length; k++) {
      if (k > 0) yield ',';
      const item: unknown = value[k];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') yield 'null';
      else yield* jsonPieces(item);
    }
    yield ']';
    return;
  }
  if ('toJSON' in value && typeof value.toJSON === 'function') {
    yield* jsonPieces((value.toJSON as () => unknown)());
    return;
  }
  yield '{';
  let first = true;
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    yield (first ? '' : ',') + JSON.stringify(key) + ':';
    first = false;
    yield* jsonPieces(item);
  }
  yield '}';
}

/** Writes `value` as JSON (and a final newline) to `out`, honouring backpressure. */
export async function writeJson(out: Writable, value: unknown): Promise<void> {
  let pending = '';
  const flush = async () => {
    if (pending === '') return;
    const chunk = pending;
    pending = '';
    if (!out.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          out.off('error', onError);
          resolve();
        };
        const onError = (err: Error) => {
          out.off('drain', onDrain);
          reject(err);
        };
        out.once('drain', onDrain);
        out.once('error', onError);
      });
    }
  };
  for (const piece of jsonPieces(value)) {
    pending += piece;
    if (pending.length >= FLUSH_AT) await flush();
  }
  pending += '\n';
  await flush();
}
