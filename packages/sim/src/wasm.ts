/**
 * A small WebAssembly binary writer: one module with an imported memory and exported functions,
 * enough for the kernels `neuron-wasm.ts` emits from our own AST. Instructions are appended as
 * bytes through the helpers below; the opcode numbers are those of the WebAssembly 2.0 core
 * specification (including fixed-width SIMD, prefix 0xfd).
 */

/** The part of the WebAssembly JavaScript API used here (this package builds without DOM or Node types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly:
  | {
      Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
      Module: new (bytes: Uint8Array) => object;
      Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
    }
  | undefined;

/** Whether this runtime has WebAssembly. */
export const hasWasm = (): boolean => typeof WebAssembly !== 'undefined';

const PAGE = 65536;
/** 4 GiB, the most a 32-bit memory can address. */
const MAX_PAGES = 65536;

/**
 * One WebAssembly memory that kernels share, with a bump allocator. The memory is shared (backed
 * by a SharedArrayBuffer) so that growing it keeps every typed-array view made earlier valid:
 * a group's arrays are allocated first, and synapses onto the group add theirs later.
 */
export class WasmArena {
  private readonly memory: WasmMemory;
  private top = 0;
  /** Every buffer object the memory has had (views made before a growth hold an older one). */
  private readonly buffers = new Set<ArrayBuffer>();

  constructor(bytes: number) {
    if (!WebAssembly) throw new Error('WebAssembly is not available');
    const pages = Math.max(1, Math.ceil(bytes / PAGE));
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
    this.buffers.add(this.memory.buffer);
  }

  /** Whether a typed array is a view on this memory. */
  owns(view: { buffer: ArrayBufferLike }): boolean {
    return this.buffers.has(view.buffer as ArrayBuffer);
  }

  /** The memory's current buffer (views made on it stay valid when the memory grows). */
  get buffer(): ArrayBuffer {
    return this.memory.buffer;
  }

  /** Reserves `bytes` (16-byte aligned), growing the memory if needed; undefined past 4 GiB. */
  alloc(bytes: number): number | undefined {
    const at = this.top;
    const end = at + Math.ceil(bytes / 16) * 16;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) return undefined;
      try {
        this.memory.grow(pages);
      } catch (e) {
        // The system would not commit more memory: the caller keeps its JavaScript arrays.
        if (e instanceof RangeError) return undefined;
        throw e;
      }
      this.buffers.add(this.memory.buffer);
    }
    this.top = end;
    return at;
  }

  /** Instantiates a module of `functions` over this memory. */
  instantiate(functions: FunctionDef[]): Record<string, unknown> {
    return this.load(this.module(functions));
  }

  /** The bytes of a module of `functions` over this memory (another thread may load them too). */
  module(functions: FunctionDef[]): Uint8Array {
    return moduleBytes(this.memory.buffer.byteLength / PAGE, functions);
  }

  /** Instantiates module bytes from `module` over this memory. */
  load(bytes: Uint8Array): Record<string, unknown> {
    if (!WebAssembly) throw new Error('WebAssembly is not available');
    return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: this.memory } }).exports;
  }

  /** The memory object itself, to hand to another thread (it is shared). */
  get shared(): unknown {
    return this.memory;
  }
}

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof I64 | typeof F64 | typeof V128;

/** Core opcodes (one byte). */
export const Op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  f64Load: 0x2b,
  i32Store: 0x36,
  i32Store8: 0x3a,
  f64Store: 0x39,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  i32Const: 0x41,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GeS: 0x4e,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Shl: 0x74,
  i32ShrU: 0x76,
} as const;

/** SIMD opcodes (after the 0xfd prefix). */
export const Simd = {
  load: 0x00,
  load32x2S: 0x05,
  load64Splat: 0x0a,
  store: 0x0b,
  i32x4Splat: 0x11,
  i64x2Splat: 0x12,
  f64x2Splat: 0x14,
  f64x2Eq: 0x47,
  f64x2Ne: 0x48,
  f64x2Lt: 0x49,
  f64x2Gt: 0x4a,
  f64x2Le: 0x4b,
  f64x2Ge: 0x4c,
  not: 0x4d,
  and: 0x4e,
  andnot: 0x4f,
  or: 0x50,
  bitselect: 0x52,
  anyTrue: 0x53,
  f64x2Ceil: 0x74,
  f64x2Floor: 0x75,
  f64x2Trunc: 0x7a,
  i64x2Bitmask: 0xc4,
  i64x2GtS: 0xd9,
  f64x2Abs: 0xec,
  f64x2Neg: 0xed,
  f64x2Sqrt: 0xef,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
  f64x2Div: 0xf3,
  f64x2Min: 0xf4,
  f64x2Max: 0xf5,
  f64x2ConvertLowI32x4S: 0xfe,
} as const;

/** Bytes of one function body, written instruction by instruction. */
export class Code {
  readonly bytes: number[] = [];

  op(...codes: number[]): this {
    this.bytes.push(...codes);
    return this;
  }
  /** Appends another piece of code (of any length). */
  append(other: Code): this {
    for (const b of other.bytes) this.bytes.push(b);
    return this;
  }
  simd(code: number): this {
    this.bytes.push(0xfd, ...uleb(code));
    return this;
  }
  /** A SIMD memory access at a constant byte offset from the address on the stack. */
  simdMem(code: number, offset: number, alignLog2 = 4): this {
    this.simd(code);
    this.bytes.push(...uleb(alignLog2), ...uleb(offset));
    return this;
  }
  mem(code: number, offset: number, alignLog2: number): this {
    this.bytes.push(code, ...uleb(alignLog2), ...uleb(offset));
    return this;
  }
  get(local: number): this {
    return this.op(Op.localGet, ...uleb(local));
  }
  set(local: number): this {
    return this.op(Op.localSet, ...uleb(local));
  }
  tee(local: number): this {
    return this.op(Op.localTee, ...uleb(local));
  }
  i32(value: number): this {
    return this.op(Op.i32Const, ...sleb(value));
  }
  f64(value: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, value, true);
    return this.op(Op.f64Const, ...b);
  }
  /** A value of type-less block structure (`block`, `loop`, `if` with no result). */
  begin(code: typeof Op.block | typeof Op.loop | typeof Op.if): this {
    return this.op(code, 0x40);
  }
}

export interface FunctionDef {
  name: string;
  params: ValType[];
  results: ValType[];
  /** Extra locals, in order after the parameters. */
  locals: ValType[];
  code: Code;
}

/** A module importing the shared memory `env.memory` (at least `pages` pages) and exporting `functions`. */
export function moduleBytes(pages: number, functions: FunctionDef[]): Uint8Array {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  // Bodies can be long: appended element by element (a spread call would overflow the stack).
  const append = (bytes: number[]) => {
    for (const b of bytes) out.push(b);
  };
  const section = (id: number, body: number[]) => {
    append([id, ...uleb(body.length)]);
    append(body);
  };
  const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
  // Names are ASCII identifiers of our own.
  const str = (s: string) => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
  section(
    1,
    vec(functions.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec(f.results.map((r) => [r]))])),
  );
  section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x03, ...uleb(pages), ...uleb(MAX_PAGES)]]));
  section(3, vec(functions.map((_, k) => uleb(k))));
  section(7, vec(functions.map((f, k) => [...str(f.name), 0x00, ...uleb(k)])));
  section(
    10,
    vec(
      functions.map((f) => {
        const locals = vec(f.locals.map((t) => [1, t]));
        const body = [...locals, ...f.code.bytes, Op.end];
        return [...uleb(body.length), ...body];
      }),
    ),
  );
  return Uint8Array.from(out);
}

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
