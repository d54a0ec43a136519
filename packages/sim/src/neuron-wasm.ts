/**
 * The neuron step as a WebAssembly SIMD kernel, for the common case where it is pure arithmetic:
 * exact integration with constant propagators (LIF, CUBA) or forward Euler without noise (COBA,
 * Izhikevich), and a threshold of arithmetic and comparisons. Four neurons per iteration as two
 * f64x2 pairs, with the same IEEE operations in the same order as the JavaScript kernel, so the
 * results are the same bit for bit. Everything else keeps the JavaScript kernel.
 *
 * The group's arrays live in a WebAssembly memory (`WasmArena`): shared, so the typed-array views
 * that synapses, resets and monitors hold stay valid when synapses add their arrays to it.
 */
import type { BinaryOp, CompareOp, Expr } from './ast.js';
import type { LinearRow } from './integrators.js';
import { Code, F64, I32, Op, Simd, V128, WasmArena, hasWasm, type ValType } from './wasm.js';

export interface WasmStepInput {
  N: number;
  /** Integrated state variables, in the integration's order. */
  states: string[];
  update: WasmUpdate;
  /** Other per-neuron float variables (parameters) and shared ones (one value). */
  params: { name: string; shared: boolean; bool: boolean }[];
  /** The threshold with subexpressions inlined, if any. */
  threshold: Expr | undefined;
  /** Refractory period in whole steps (0: the group has no refractoriness). */
  untilSteps: number;
  /** Keep a per-neuron not_refractory byte array up to date (groups without refractoriness). */
  writeFlag: boolean;
  /** Compile-time value of a name (constants, units, dt, N), if it has one. */
  constant: (name: string) => number | undefined;
}

/**
 * The state update: exact (each state's new value a sum of terms, `held` while refractory), or
 * Euler, x ← x + dt·f(x) + 0 with f evaluated at the old values (times not_refractory where the
 * equation is clamped), as the integrators write them in JavaScript.
 */
export type WasmUpdate =
  | { kind: 'linear'; live: LinearRow[]; held: LinearRow[] }
  | { kind: 'euler'; f: Expr[]; clamp: boolean[]; dt: number };

export interface WasmStep {
  /** The memory the arrays live in (synapses onto the group may add their own kernels to it). */
  arena: WasmArena;
  /** Every float array of the group (states, parameters, lastspike), as views on the memory. */
  arrays: Map<string, Float64Array>;
  notRefractory: Uint8Array;
  until: Int32Array;
  spikes: Int32Array;
  /** Updates every neuron for step k; returns how many spiked (their indices first in `spikes`). */
  step: (k: number, t: number) => number;
  /**
   * The kernel over neurons [lo, hi) (multiples of `block`, or hi = the padded size), which writes
   * its spikes from `spikes[lo]` on; threads that share the memory each run their own range.
   */
  range: {
    bytes: Uint8Array;
    block: number;
    size: number;
    run: (k: number, t: number, lo: number, hi: number) => number;
  };
}

/** Largest memory we ask for (the kernel addresses it with 32-bit offsets). */
const MAX_BYTES = 2 ** 31;
/** Largest kernels we emit (huge thresholds or right-hand sides stay in JavaScript). */
const MAX_LOCALS = 20_000;
const MAX_CODE = 2_000_000;

const up16 = (n: number) => Math.ceil(n / 16) * 16;

/** Neurons per loop iteration: two f64x2 pairs. */
const LANES = 4;

/** Builds the kernel, or returns undefined when the group needs something it does not do. */
export function wasmNeuronStep(input: WasmStepInput): WasmStep | undefined {
  if (!hasWasm()) return undefined;
  const { N, states, untilSteps } = input;
  // Two f64x2 pairs per iteration (four neurons): fewer loop and branch instructions per neuron.
  const NP = Math.ceil(N / LANES) * LANES;
  // Layout: float arrays, lastspike, until, spikes, flags, then the constant pool.
  const base = new Map<string, number>();
  let top = 0;
  const at = (name: string): number => {
    const offset = base.get(name);
    if (offset === undefined) throw new Error(`wasm: no array ${name}`);
    return offset;
  };
  const place = (name: string, bytes: number) => {
    base.set(name, top);
    top += up16(bytes);
  };
  for (const s of states) place(s, NP * 8);
  for (const p of input.params) place(p.name, p.shared ? 16 : NP * 8);
  place('lastspike', NP * 8);
  place('@until', NP * 4);
  place('@spikes', NP * 4);
  place('@flag', NP);
  const pool = top;
  // Pairs of lanes (usually both the same value), 16 bytes each.
  const constants: [number, number][] = [];
  const constAt = (v0: number, v1 = v0) => {
    let j = constants.findIndex(([a, b]) => Object.is(a, v0) && Object.is(b, v1));
    if (j < 0) j = constants.push([v0, v1]) - 1;
    return pool + 16 * j;
  };

  // Locals after the parameters k (i32), t (f64), lo and hi (i32).
  const locals: ValType[] = [];
  const local = (t: ValType) => 4 + locals.push(t) - 1;
  const idx = local(I32);
  const ns = local(I32);
  const a8 = local(I32);
  const a4 = local(I32);
  const kk = local(V128);
  const tt = local(V128);
  const bits = local(I32);
  const { update } = input;
  const linear = update.kind === 'linear' ? update : undefined;
  const euler = update.kind === 'euler' ? update : undefined;
  const pairs = Array.from({ length: LANES / 2 }, () => ({
    ref: local(V128),
    mask: local(V128),
    old: states.map(() => local(V128)),
    neu: states.map(() => local(V128)),
    /** Euler: 1.0 where the neuron is not refractory, 0.0 where it is (the clamp factor). */
    ready: euler ? local(V128) : -1,
    /** Euler: the right-hand sides. */
    f: euler ? states.map(() => local(V128)) : [],
  }));

  const c = new Code();
  // Constants (both lanes one value) are loaded into locals once per call: V8 rebuilds a SIMD
  // constant at every use, and a memory operand per use competes with the state loads.
  const constLocal = new Map<string, { value: number; local: number }>();
  const constant = (value: number) => {
    const key = Object.is(value, -0) ? '-0' : String(value); // a Map would merge 0 and -0
    let entry = constLocal.get(key);
    if (entry === undefined) constLocal.set(key, (entry = { value, local: local(V128) }));
    return entry.local;
  };
  const splat = (code: Code, value: number) => code.get(constant(value));
  // Every constant is known before the prologue loads them: the rows' here, the expressions' below.
  if (linear)
    for (const r of [...linear.live, ...linear.held]) {
      if (r.terms.length === 0) constant(0);
      for (const t of r.terms) constant(t.coef);
    }
  if (euler) [euler.dt, 0, 1].forEach(constant);
  const loadConst = (v: number) => splat(c, v);
  /** Pushes row r's new value of state s, from the pair's old values. */
  const row = (r: LinearRow, s: number, old: number[]) => {
    if (r.keep) return c.get(old[s]!);
    if (r.terms.length === 0) return loadConst(0);
    r.terms.forEach((term, k) => {
      if (term.input !== undefined) throw new Error('wasm: non-constant input');
      loadConst(term.coef);
      if (term.state !== undefined) c.get(old[term.state]!).simd(Simd.f64x2Mul);
      if (k > 0) c.simd(Simd.f64x2Add);
    });
    return c;
  };
  const sameRow = (a: LinearRow, b: LinearRow) =>
    a.keep === b.keep &&
    a.terms.length === b.terms.length &&
    a.terms.every((t, k) => {
      const u = b.terms[k]!;
      return Object.is(t.coef, u.coef) && t.state === u.state && t.input === u.input;
    });

  /** How expressions of pair p read names, with the states in `stateLocals`. */
  const exprContext = (p: number, stateLocals: number[]): ExprContext => ({
    state: (n) => {
      const s = states.indexOf(n);
      return s < 0 ? undefined : stateLocals[s];
    },
    param: (n) => {
      const q = input.params.find((x) => x.name === n);
      if (q) return { offset: at(n) + (q.shared ? 0 : 16 * p), shared: q.shared, bool: q.bool };
      if (n === 'lastspike') return { offset: at('lastspike') + 16 * p, shared: false, bool: false };
      return undefined;
    },
    constant: input.constant,
    constAt,
    splat,
    a8,
    idx,
    first: 2 * p,
    tt,
    refractory: untilSteps > 0,
  });
  // Thresholds of each pair, as masks over the new state values (undefined: not translatable).
  const thr = pairs.map((pair, p) => {
    if (!input.threshold) return new Code();
    const code = new Code();
    return emitExpr(input.threshold, code, exprContext(p, pair.neu)) === 'bool' ? code : undefined;
  });
  // Euler's right-hand sides of each pair, over the old state values.
  const rhs = pairs.map((pair, p) =>
    (euler?.f ?? []).map((f) => {
      const code = new Code();
      return emitExpr(f, code, exprContext(p, pair.old)) === 'num' ? code : undefined;
    }),
  );
  if (rhs.some((r) => r.some((x) => x === undefined))) return undefined;
  if (thr.some((x) => x === undefined)) return undefined;

  c.get(0).op(0xac).simd(Simd.i64x2Splat).set(kk); // i64.extend_i32_s
  c.get(1).simd(Simd.f64x2Splat).set(tt);
  for (const { value, local: l } of constLocal.values()) c.i32(0).simdMem(Simd.load, constAt(value)).set(l);
  // Parameters: k, t, lo, hi. Spikes are written from index lo on.
  c.get(2).set(idx).get(2).set(ns);
  c.begin(Op.block).begin(Op.loop);
  c.get(idx).get(3).op(Op.i32GeS).op(Op.brIf, 1);
  c.get(idx).i32(3).op(Op.i32Shl).set(a8);
  c.get(idx).i32(2).op(Op.i32Shl).set(a4);
  pairs.forEach((pair, p) => {
    states.forEach((s, k) =>
      c
        .get(a8)
        .simdMem(Simd.load, at(s) + 16 * p)
        .set(pair.old[k]!),
    );
    // Refractory lanes: until > k (one instruction, where k >= until would take three).
    if (untilSteps)
      c.get(a4)
        .simdMem(Simd.load32x2S, at('@until') + 8 * p, 3)
        .get(kk)
        .simd(Simd.i64x2GtS)
        .set(pair.ref);
    if (linear)
      states.forEach((_, r) => {
        const live = linear.live[r]!;
        const held = linear.held[r]!;
        if (untilSteps && !sameRow(live, held)) row(held, r, pair.old);
        row(live, r, pair.old);
        if (untilSteps && !sameRow(live, held)) c.get(pair.ref).simd(Simd.bitselect);
        c.set(pair.neu[r]!);
      });
    if (euler) {
      if (untilSteps) splat(c, 1).get(pair.ref).simd(Simd.andnot).set(pair.ready);
      states.forEach((_, k) => {
        c.append(rhs[p]![k]!);
        if (euler.clamp[k] && untilSteps) c.get(pair.ready).simd(Simd.f64x2Mul);
        c.set(pair.f[k]!);
      });
      // x + dt * f + 0, left to right.
      states.forEach((_, k) => {
        c.get(pair.old[k]!);
        splat(c, euler.dt).get(pair.f[k]!).simd(Simd.f64x2Mul).simd(Simd.f64x2Add);
        splat(c, 0).simd(Simd.f64x2Add).set(pair.neu[k]!);
      });
    }
    states.forEach((s, k) =>
      c
        .get(a8)
        .get(pair.neu[k]!)
        .simdMem(Simd.store, at(s) + 16 * p),
    );
    if (input.threshold) {
      c.append(thr[p]!);
      if (untilSteps) c.get(pair.ref).simd(Simd.andnot);
      c.set(pair.mask);
    }
  });
  if (input.threshold) {
    // One branch for all neurons of the block; spikes are rare.
    pairs.forEach((pair, p) => {
      c.get(pair.mask);
      if (p > 0) c.simd(Simd.or);
    });
    c.simd(Simd.anyTrue).begin(Op.if);
    pairs.forEach((pair, p) => {
      c.get(pair.mask).simd(Simd.i64x2Bitmask).set(bits);
      for (let half = 0; half < 2; half++) {
        const lane = 2 * p + half;
        c.get(bits);
        if (half) c.i32(1).op(Op.i32ShrU);
        c.i32(1).op(Op.i32And);
        // The last block may hold padding after the group's last neuron.
        if (lane >= LANES - (NP - N))
          c.get(idx)
            .i32(N - lane)
            .op(Op.i32LtS)
            .op(Op.i32And);
        c.begin(Op.if);
        c.get(ns).i32(2).op(Op.i32Shl).get(idx);
        if (lane) c.i32(lane).op(Op.i32Add);
        c.mem(Op.i32Store, at('@spikes'), 2);
        c.get(ns).i32(1).op(Op.i32Add).set(ns);
        c.get(a8)
          .get(1)
          .mem(Op.f64Store, at('lastspike') + 8 * lane, 3);
        if (untilSteps)
          c.get(a4)
            .get(0)
            .i32(untilSteps)
            .op(Op.i32Add)
            .mem(Op.i32Store, at('@until') + 4 * lane, 2);
        if (input.writeFlag)
          c.get(idx)
            .i32(0)
            .mem(Op.i32Store8, at('@flag') + lane, 0);
        c.op(Op.end);
      }
    });
    c.op(Op.end);
  }
  c.get(idx).i32(LANES).op(Op.i32Add).set(idx);
  c.op(Op.br, 0).op(Op.end).op(Op.end);
  c.get(ns).get(2).op(Op.i32Sub);

  const bytes = pool + 16 * constants.length;
  if (bytes > MAX_BYTES) return undefined;
  // Within what engines compile (V8: 50 000 locals, 7.6 MB of code per function), with room.
  if (locals.length > MAX_LOCALS || c.bytes.length > MAX_CODE) return undefined;
  let arena: WasmArena;
  try {
    arena = new WasmArena(bytes);
  } catch (e) {
    // The memory could not be reserved (RangeError): the JavaScript kernel will do.
    if (e instanceof RangeError) return undefined;
    throw e;
  }
  arena.alloc(bytes);
  const module = arena.module([
    { name: 'step', params: [I32, F64, I32, I32], results: [I32], locals, code: c },
  ]);
  const run = arena.load(module).step as (k: number, t: number, lo: number, hi: number) => number;
  const buf = arena.buffer;
  constants.forEach((pair, j) => new Float64Array(buf, pool + 16 * j, 2).set(pair));
  const arrays = new Map<string, Float64Array>();
  for (const s of states) arrays.set(s, new Float64Array(buf, at(s), N));
  for (const p of input.params) arrays.set(p.name, new Float64Array(buf, at(p.name), p.shared ? 1 : N));
  arrays.set('lastspike', new Float64Array(buf, at('lastspike'), N).fill(-1e4));
  const until = new Int32Array(buf, at('@until'), untilSteps ? N : 0).fill(-2147483648);
  const notRefractory = new Uint8Array(buf, at('@flag'), N).fill(1);
  return {
    arena,
    arrays,
    notRefractory,
    until,
    spikes: new Int32Array(buf, at('@spikes'), N),
    step: (k, t) => run(k, t, 0, NP),
    range: { bytes: module, block: LANES, size: NP, run },
  };
}

/** Where an expression's names live. */
interface ExprContext {
  state: (name: string) => number | undefined;
  param: (name: string) => { offset: number; shared: boolean; bool: boolean } | undefined;
  constant: (name: string) => number | undefined;
  constAt: (lane0: number, lane1?: number) => number;
  /** Pushes a constant in both lanes (from a local loaded once). */
  splat: (code: Code, value: number) => Code;
  a8: number;
  idx: number;
  /** The index of the pair's first neuron relative to idx (0 or 2). */
  first: number;
  tt: number;
  /**
   * Whether the group has refractoriness. Its kernel keeps no flag for code to read (such groups
   * stay on JavaScript), so `not_refractory` is translated only where it is always true.
   */
  refractory: boolean;
}

type Kind = 'num' | 'bool';

const COMPARE: Record<CompareOp, number> = {
  '<': Simd.f64x2Lt,
  '<=': Simd.f64x2Le,
  '>': Simd.f64x2Gt,
  '>=': Simd.f64x2Ge,
  '==': Simd.f64x2Eq,
  '!=': Simd.f64x2Ne,
};
/** Binary operators as the JavaScript emitter writes them (`//` is Math.floor(l / r)). */
const ARITHMETIC: Partial<Record<BinaryOp, number[]>> = {
  '+': [Simd.f64x2Add],
  '-': [Simd.f64x2Sub],
  '*': [Simd.f64x2Mul],
  '/': [Simd.f64x2Div],
  '//': [Simd.f64x2Div, Simd.f64x2Floor],
};
/** Functions of one argument with an exact SIMD instruction (int(x) is Math.trunc). */
const UNARY_CALLS = new Map<string, number>([
  ['abs', Simd.f64x2Abs],
  ['sqrt', Simd.f64x2Sqrt],
  ['floor', Simd.f64x2Floor],
  ['ceil', Simd.f64x2Ceil],
  ['int', Simd.f64x2Trunc],
]);

/**
 * Emits an expression: a number as f64x2, a condition as an i64x2 mask. Returns its kind, or
 * undefined for anything it does not translate exactly as the JavaScript emitter does (other
 * functions, `%`, powers other than 2 and 3…).
 */
function emitExpr(e: Expr, c: Code, ctx: ExprContext): Kind | undefined {
  return go(e);

  function go(n: Expr): Kind | undefined {
    switch (n.k) {
      case 'num':
        ctx.splat(c, n.value);
        return 'num';
      case 'name':
        return name(n.name);
      case 'unary': {
        const k = go(n.arg);
        if (n.op === 'not') return k === 'bool' ? (c.simd(Simd.not), 'bool') : undefined;
        if (k !== 'num') return undefined;
        if (n.op === '-') c.simd(Simd.f64x2Neg);
        return 'num';
      }
      case 'logic': {
        if (go(n.left) !== 'bool' || go(n.right) !== 'bool') return undefined;
        c.simd(n.op === 'and' ? Simd.and : Simd.or);
        return 'bool';
      }
      case 'cmp': {
        if (go(n.left) !== 'num' || go(n.right) !== 'num') return undefined;
        c.simd(COMPARE[n.op]);
        return 'bool';
      }
      case 'bin': {
        if (n.op === '**') {
          const p = n.right.k === 'num' ? n.right.value : 0;
          if (p !== 2 && p !== 3) return undefined;
          if (go(n.left) !== 'num') return undefined;
          // (l * l) and (l * l * l), as the JavaScript emitter writes them (the operand is pure).
          for (let r = 1; r < p; r++) {
            if (go(n.left) !== 'num') return undefined;
            c.simd(Simd.f64x2Mul);
          }
          return 'num';
        }
        const ops = ARITHMETIC[n.op];
        if (!ops || go(n.left) !== 'num' || go(n.right) !== 'num') return undefined;
        for (const op of ops) c.simd(op);
        return 'num';
      }
      case 'call': {
        const u = UNARY_CALLS.get(n.name);
        if (u !== undefined && n.args.length === 1) {
          if (go(n.args[0]!) !== 'num') return undefined;
          c.simd(u);
          return 'num';
        }
        if (n.name === 'clip' && n.args.length === 3) {
          // Math.min(Math.max(x, lo), hi)
          if (go(n.args[0]!) !== 'num' || go(n.args[1]!) !== 'num') return undefined;
          c.simd(Simd.f64x2Max);
          if (go(n.args[2]!) !== 'num') return undefined;
          c.simd(Simd.f64x2Min);
          return 'num';
        }
        return undefined;
      }
    }
  }

  function name(n: string): Kind | undefined {
    const s = ctx.state(n);
    if (s !== undefined) {
      c.get(s);
      return 'num';
    }
    const p = ctx.param(n);
    if (p) {
      if (p.shared) c.i32(0).simdMem(Simd.load64Splat, p.offset, 3);
      else c.get(ctx.a8).simdMem(Simd.load, p.offset);
      if (!p.bool) return 'num';
      // A boolean parameter is stored as 0/1: true where it is not 0.
      ctx.splat(c, 0).simd(Simd.f64x2Ne);
      return 'bool';
    }
    switch (n) {
      case 't':
        c.get(ctx.tt);
        return 'num';
      case 'i':
        // (idx, idx + 1) as doubles.
        c.get(ctx.idx).simd(Simd.i32x4Splat).simd(Simd.f64x2ConvertLowI32x4S);
        c.i32(0)
          .simdMem(Simd.load, ctx.constAt(ctx.first, ctx.first + 1))
          .simd(Simd.f64x2Add);
        return 'num';
      case 'not_refractory':
        if (ctx.refractory) return undefined;
        c.i32(0)
          .simdMem(Simd.load, ctx.constAt(0))
          .i32(0)
          .simdMem(Simd.load, ctx.constAt(0))
          .simd(Simd.f64x2Eq); // all lanes true
        return 'bool';
    }
    const v = ctx.constant(n);
    if (v === undefined) return undefined;
    ctx.splat(c, v);
    return 'num';
  }
}
