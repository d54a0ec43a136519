/**
 * Streams a JSON document without building it as one string: objects key by key, long arrays of
 * numbers in slices, pulled lazily by a Readable so a slow client holds back the serializer.
 * A results document of millions of spikes goes out in ~64 KiB chunks.
 */
import { Readable } from 'node:stream';

export interface JsonStreamOptions {
  /** Array elements serialized per step. */
  sliceSize?: number;
  /** Bytes (roughly, characters) gathered before a chunk is handed to the stream. */
  chunkSize?: number;
}

const isScalar = (value: unknown): boolean =>
  value === null || (typeof value !== 'object' && typeof value !== 'function');

/** A value as JSON.stringify would write it inside an array (`undefined` and functions become null). */
const scalarJson = (value: unknown): string => {
  const text: string | undefined = JSON.stringify(value);
  return text ?? 'null';
};

function* pieces(value: unknown, sliceSize: number): Generator<string> {
  if (isScalar(value)) {
    yield scalarJson(value);
    return;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const view = value as unknown as ArrayLike<number | bigint>;
    yield '[';
    for (let start = 0; start < view.length; start += sliceSize) {
      const slice = Array.from({ length: Math.min(sliceSize, view.length - start) }, (_, k) =>
        Number(view[start + k]),
      );
      yield (start === 0 ? '' : ',') + JSON.stringify(slice).slice(1, -1);
    }
    yield ']';
    return;
  }
  if (Array.isArray(value)) {
    yield '[';
    for (let start = 0; start < value.length; start += sliceSize) {
      const slice = value.slice(start, start + sliceSize);
      if (slice.every(isScalar)) {
        yield (start === 0 ? '' : ',') + JSON.stringify(slice).slice(1, -1);
      } else {
        for (let k = 0; k < slice.length; k++) {
          if (start + k > 0) yield ',';
          const item: unknown = slice[k];
          if (typeof item === 'function' || item === undefined) yield 'null';
          else yield* pieces(item, sliceSize);
        }
      }
    }
    yield ']';
    return;
  }
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') {
    yield* pieces(withToJson.toJSON(), sliceSize);
    return;
  }
  yield '{';
  let first = true;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    yield `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    yield* pieces(item, sliceSize);
  }
  yield '}';
}

/** The JSON text of `value`, in chunks; joined, it equals `JSON.stringify(value)`. */
export function* jsonChunks(value: unknown, options: JsonStreamOptions = {}): Generator<string> {
  const sliceSize = options.sliceSize ?? 8192;
  const chunkSize = options.chunkSize ?? 64 * 1024;
  let buffer = '';
  for (const piece of pieces(value, sliceSize)) {
    buffer += piece;
    if (buffer.length >= chunkSize) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer !== '') yield buffer;
}

export function jsonStream(value: unknown, options: JsonStreamOptions = {}): Readable {
  return Readable.from(jsonChunks(value, options), { objectMode: false });
}
