/**
 * Synaptic delivery as a WebAssembly kernel, for the common `on_pre` of static synapses: every
 * statement adds a constant to (or subtracts it from) a variable of a target group whose arrays
 * live in a WebAssembly memory (`v_post += w`, `ge += we`). The connectivity is copied into that
 * memory; events are applied in the JavaScript kernel's order with the same IEEE operations, so
 * the results are identical bit for bit.
 */
import type { Expr, Statement } from './ast.js';
import { evalConst } from './integrators.js';
import { Code, I32, Op, type WasmArena } from './wasm.js';

/** One `target op= constant` applied per synapse to its postsynaptic neuron. */
export interface ConstantUpdate {
  target: Float64Array;
  op: '+=' | '-=';
  value: number;
}

/**
 * `on_pre` as constant updates of postsynaptic variables, or undefined if any statement is
 * something else. `target` gives the array of a name the statement may update (undefined: not a
 * per-neuron float variable of the target group); `constant` the value of a constant or unit.
 */
export function constantUpdates(
  stmts: Statement[],
  target: (name: string) => Float64Array | undefined,
  constant: (name: string) => number | undefined,
): ConstantUpdate[] | undefined {
  const out: ConstantUpdate[] = [];
  for (const st of stmts) {
    const array = target(st.target);
    const value = fold(st.expr, constant);
    if (!array || value === undefined || (st.op !== '+=' && st.op !== '-=')) return undefined;
    out.push({ target: array, op: st.op, value });
  }
  return out;
}

/**
 * The value of a constant expression, or undefined. Only numbers, constants, signs and + - * /:
 * evaluated by `evalConst` with the operations the JavaScript emitter writes for them, so this is
 * the very double the JavaScript kernel computes at run time.
 */
function fold(e: Expr, constant: (name: string) => number | undefined): number | undefined {
  const plain = (x: Expr): boolean =>
    x.k === 'num' ||
    (x.k === 'name' && constant(x.name) !== undefined) ||
    (x.k === 'unary' && x.op !== 'not' && plain(x.arg)) ||
    (x.k === 'bin' && ['+', '-', '*', '/'].includes(x.op) && plain(x.left) && plain(x.right));
  return plain(e) ? evalConst(e, constant) : undefined;
}

export interface WasmDelivery {
  /** The connectivity's targets, now a view on the arena (the caller drops its own copy). */
  post: Int32Array;
  /** Delivers the rows listed in `list[0..n)` (the offsets given at build); returns the events. */
  deliver: (list: Int32Array, n: number) => number;
}

/**
 * Builds the kernel over `arena`, which holds every target array; undefined if it cannot (the
 * memory would pass 4 GiB, or a target array is not in the arena).
 */
export function wasmDelivery(
  arena: WasmArena,
  updates: ConstantUpdate[],
  post: Int32Array,
  off: Int32Array,
  maxList: number,
): WasmDelivery | undefined {
  if (!updates.every((u) => arena.owns(u.target))) return undefined;
  // The kernel compares byte offsets as signed 32-bit integers.
  if (post.length >= 2 ** 29 || off.length >= 2 ** 29) return undefined;
  const postAt = arena.alloc(post.length * 4);
  const offAt = arena.alloc(off.length * 4);
  const listAt = arena.alloc(Math.max(1, maxList) * 4);
  if (postAt === undefined || offAt === undefined || listAt === undefined) return undefined;
  const buf = arena.buffer;
  const postView = new Int32Array(buf, postAt, post.length);
  postView.set(post);
  new Int32Array(buf, offAt, off.length).set(off);
  const list = new Int32Array(buf, listAt, Math.max(1, maxList));

  // deliver(n) -> events. Locals: q, s (byte offset into POST), e, a (byte offset of the target), ev.
  const [n, q, s, e, a, ev] = [0, 1, 2, 3, 4, 5];
  const c = new Code();
  c.i32(0).set(q).i32(0).set(ev);
  c.begin(Op.block).begin(Op.loop);
  c.get(q).get(n).op(Op.i32GeS).op(Op.brIf, 1);
  // p = list[q]; s = off[p] * 4; e = off[p + 1] * 4
  c.get(q).i32(2).op(Op.i32Shl).mem(Op.i32Load, listAt, 2).i32(2).op(Op.i32Shl).set(a);
  c.get(a).mem(Op.i32Load, offAt, 2).i32(2).op(Op.i32Shl).set(s);
  c.get(a)
    .mem(Op.i32Load, offAt + 4, 2)
    .i32(2)
    .op(Op.i32Shl)
    .set(e);
  c.get(ev).get(e).get(s).op(Op.i32Sub).i32(2).op(Op.i32ShrU).op(Op.i32Add).set(ev);
  c.begin(Op.block).begin(Op.loop);
  c.get(s).get(e).op(Op.i32GeS).op(Op.brIf, 1);
  c.get(s).mem(Op.i32Load, postAt, 2).i32(3).op(Op.i32Shl).set(a);
  for (const u of updates) {
    const base = u.target.byteOffset;
    c.get(a)
      .get(a)
      .mem(Op.f64Load, base, 3)
      .f64(u.value)
      .op(u.op === '+=' ? Op.f64Add : Op.f64Sub);
    c.mem(Op.f64Store, base, 3);
  }
  c.get(s).i32(4).op(Op.i32Add).set(s);
  c.op(Op.br, 0).op(Op.end).op(Op.end);
  c.get(q).i32(1).op(Op.i32Add).set(q);
  c.op(Op.br, 0).op(Op.end).op(Op.end);
  c.get(ev);
  const exports = arena.instantiate([
    { name: 'deliver', params: [I32], results: [I32], locals: [I32, I32, I32, I32, I32], code: c },
  ]);
  const run = exports.deliver as (n: number) => number;
  return {
    post: postView,
    deliver: (from, count) => {
      for (let k = 0; k < count; k++) list[k] = from[k]!;
      return run(count);
    },
  };
}
