/**
 * Synaptic delivery as a WebAssembly kernel, for the common `on_pre` of static synapses: every
 * statement adds to (or subtracts from) a variable of a target group whose arrays live in a
 * WebAssembly memory either a constant (`ge += we`) or a per-synapse weight that no code changes
 * during the run (`v_post += w`). The connectivity and those weights move into that memory;
 * events are applied in the JavaScript kernel's order with the same IEEE operations, so the
 * results are identical bit for bit.
 */
import type { Expr, Statement } from './ast.js';
import { evalConst } from './integrators.js';
import { Code, I32, Op, type WasmArena } from './wasm.js';

/** One `target op= value` applied per synapse to its postsynaptic neuron. */
export interface StaticUpdate {
  target: Float64Array;
  op: '+=' | '-=';
  /** A constant, or the synapse's own entry of a weight array. */
  value: number | Float64Array;
}

/**
 * `on_pre` as static updates of postsynaptic variables, or undefined if any statement is
 * something else. `target` gives the array of a name the statement may update (undefined: not a
 * per-neuron float variable of the target group); `weight` the array of a per-synapse variable
 * that nothing writes during the run; `constant` the value of a constant or unit.
 */
export function staticUpdates(
  stmts: Statement[],
  target: (name: string) => Float64Array | undefined,
  weight: (name: string) => Float64Array | undefined,
  constant: (name: string) => number | undefined,
): StaticUpdate[] | undefined {
  const out: StaticUpdate[] = [];
  for (const st of stmts) {
    const array = target(st.target);
    const value =
      st.expr.k === 'name' ? (weight(st.expr.name) ?? fold(st.expr, constant)) : fold(st.expr, constant);
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
  /** Each weight array given, and its copy on the arena (the caller uses the copy from now on). */
  weights: Map<Float64Array, Float64Array>;
  /** Delivers the rows listed in `list[0..n)` (the offsets given at build); returns the events. */
  deliver: (list: Int32Array, n: number) => number;
}

/**
 * Builds the kernel over `arena`, which holds every target array; undefined if it cannot (the
 * memory would pass 4 GiB, or a target array is not in the arena).
 */
export function wasmDelivery(
  arena: WasmArena,
  updates: StaticUpdate[],
  post: Int32Array,
  off: Int32Array,
  maxList: number,
): WasmDelivery | undefined {
  if (!updates.every((u) => arena.owns(u.target))) return undefined;
  const given = [...new Set(updates.flatMap((u) => (typeof u.value === 'number' ? [] : [u.value])))];
  // The kernel compares byte offsets as signed 32-bit integers (weights: twice the targets').
  const limit = given.length ? 2 ** 28 : 2 ** 29;
  if (post.length >= limit || off.length >= 2 ** 29) return undefined;
  const postAt = arena.alloc(post.length * 4);
  const offAt = arena.alloc(off.length * 4);
  const listAt = arena.alloc(Math.max(1, maxList) * 4);
  if (postAt === undefined || offAt === undefined || listAt === undefined) return undefined;
  const weightAt: number[] = [];
  for (let k = 0; k < given.length; k++) {
    const at = arena.alloc(post.length * 8);
    if (at === undefined) return undefined;
    weightAt.push(at);
  }
  const buf = arena.buffer;
  const postView = new Int32Array(buf, postAt, post.length);
  postView.set(post);
  new Int32Array(buf, offAt, off.length).set(off);
  const list = new Int32Array(buf, listAt, Math.max(1, maxList));
  const weights = new Map<Float64Array, Float64Array>();
  given.forEach((w, k) => {
    const copy = new Float64Array(buf, weightAt[k], post.length);
    copy.set(w);
    weights.set(w, copy);
  });

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
    c.get(a).get(a).mem(Op.f64Load, base, 3);
    // The synapse's weight sits at twice its target's byte offset s.
    if (typeof u.value === 'number') c.f64(u.value);
    else c.get(s).i32(1).op(Op.i32Shl).mem(Op.f64Load, weights.get(u.value)!.byteOffset, 3);
    c.op(u.op === '+=' ? Op.f64Add : Op.f64Sub).mem(Op.f64Store, base, 3);
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
    weights,
    deliver: (from, count) => {
      for (let k = 0; k < count; k++) list[k] = from[k]!;
      return run(count);
    },
  };
}
