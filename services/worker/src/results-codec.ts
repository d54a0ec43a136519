/**
 * The compact stored form of a results document: every numeric array becomes a typed-array segment
 * (Int32 when all its values are int32, else Float64, so values are bit-exact, NaN and -0 included),
 * the rest stays JSON, and the whole is deflated.
 *
 * Layout before compression: `u32 LE header length | header JSON | padding to 8 | segments`, where the
 * header is the document with each numeric array replaced by `{"$s": index}` and a segment table.
 * Packing runs in the simulation thread, so the worker's event loop never serializes big results.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import type { Results } from '@volley/sim';

const FORMAT = 1;

type SegmentKind = 'f64' | 'i32';
interface Header {
  format: number;
  /** Segments: kind, byte offset from the start of the segment area, element count. */
  segments: [SegmentKind, number, number][];
  doc: unknown;
}

function isNumberArray(v: unknown): v is number[] {
  if (!Array.isArray(v) || v.length === 0) return false;
  for (const x of v) if (typeof x !== 'number') return false;
  return true;
}

function isInt32Array(a: readonly number[]): boolean {
  for (const x of a)
    if (!Number.isInteger(x) || x > 2147483647 || x < -2147483648 || Object.is(x, -0)) return false;
  return true;
}

/** Packs a results document into its compressed stored form. */
export function packResults(results: Results): Buffer {
  const segments: Header['segments'] = [];
  const parts: Buffer[] = [];
  let offset = 0;

  const walk = (v: unknown): unknown => {
    if (isNumberArray(v)) {
      const kind: SegmentKind = isInt32Array(v) ? 'i32' : 'f64';
      const typed = kind === 'i32' ? Int32Array.from(v) : Float64Array.from(v);
      const bytes = Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);
      const pad = (8 - (offset % 8)) % 8;
      if (pad > 0) parts.push(Buffer.alloc(pad));
      offset += pad;
      segments.push([kind, offset, v.length]);
      parts.push(bytes);
      offset += bytes.byteLength;
      return { $s: segments.length - 1 };
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };

  const header: Header = { format: FORMAT, segments, doc: walk(results) };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const lead = Buffer.alloc(4);
  lead.writeUInt32LE(json.byteLength, 0);
  const headPad = (8 - ((4 + json.byteLength) % 8)) % 8;
  return deflateSync(Buffer.concat([lead, json, Buffer.alloc(headPad), ...parts]), { level: 3 });
}

/** Unpacks what `packResults` produced. */
export function unpackResults(packed: Uint8Array): Results {
  const raw = inflateSync(packed);
  const headerLength = raw.readUInt32LE(0);
  const header = JSON.parse(raw.subarray(4, 4 + headerLength).toString('utf8')) as Header;
  if (header.format !== FORMAT) throw new Error(`results: unknown stored format ${header.format}`);
  const base = 4 + headerLength + ((8 - ((4 + headerLength) % 8)) % 8);

  const segment = (index: number): number[] => {
    const seg = header.segments[index];
    if (seg === undefined) throw new Error(`results: missing segment ${index}`);
    const [kind, off, length] = seg;
    const width = kind === 'i32' ? 4 : 8;
    const start = raw.byteOffset + base + off;
    // Copy out so the view is aligned whatever the offset of `raw` in its ArrayBuffer.
    const bytes = raw.buffer.slice(start, start + length * width);
    return Array.from(kind === 'i32' ? new Int32Array(bytes) : new Float64Array(bytes));
  };

  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const ref = (v as { $s?: unknown }).$s;
      if (typeof ref === 'number' && Object.keys(v).length === 1) return segment(ref);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(header.doc) as Results;
}
