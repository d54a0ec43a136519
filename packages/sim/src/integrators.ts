/**
 * State updaters, described as Brian 2 describes them (abstract update rules), emitted as code over
 * per-neuron locals `v_<name>`:
 *
 * - exact (linear): x ← M·x + K·b with M = e^{A dt}, K = ∫e^{As}ds, A and b from the linear split
 *   of the right-hand sides; `(unless refractory)` rows use a second pair (M0, K0) with those rows
 *   of A and b set to zero, exactly Brian 2's `int(not_refractory)` factor inside the solution.
 * - euler:        x_new = x + dt·f(x,t) + g(x,t)·dW
 * - rk2:          k = dt·f(x,t);  x_new = x + dt·f(x + k/2, t + dt/2)
 * - rk4:          classical Runge–Kutta
 * - heun:         x_s = x + g(x,t)·dW;  x_new = x + dt·f(x,t) + ½·dW·(g(x,t) + g(x_s, t+dt))
 * - exponential_euler: per variable, f = A·x + B with the others frozen:
 *                 x_new = -B/A + (x + B/A)·e^{A dt}
 * dW = √dt · randn(), one draw per noise symbol per neuron per step.
 */
import { identifiers, num, type Expr } from './ast.js';
import { emit, literal, type EmitContext } from './codegen.js';
import { exactPropagators } from './expm.js';
import { isNoiseName, PURE_FUNCTIONS } from './check.js';
import { splitLinear } from './linear.js';

export type Method = 'exact' | 'euler' | 'rk2' | 'rk4' | 'exponential_euler' | 'heun';

export interface DiffEq {
  name: string;
  /** Right-hand side with subexpressions inlined. */
  f: Expr;
  /** Frozen while refractory (only meaningful when the group has a refractory period). */
  clamp: boolean;
  /**
   * The right-hand side reads `t` itself (not only through timed arrays or `(constant over dt)`
   * subexpressions): Brian 2's exact integrator refuses it as "not constant over a time step".
   */
  explicitTime?: boolean;
}

export interface IntegratorInput {
  eqs: DiffEq[];
  dt: number;
  /** Compile-time value of a name (constants, units), if it has one. */
  constValue: (name: string) => number | undefined;
  /** Names whose values may change during the run apart from the state variables (t, written params…). */
  isTimeVarying: (name: string) => boolean;
  /** Parameters that statements (resets, synapses) write: constant over a step, not over the run. */
  isWritten?: (name: string) => boolean;
  /** Emission of everything but the state variables and `t`. */
  ctx: EmitContext;
  /** The JS name of the per-neuron state local for a state variable. */
  local: (name: string) => string;
}

export interface Integration {
  method: Method;
  /** Code run per neuron with locals loaded; leaves the new values in the locals. */
  code: string;
  /** Per-neuron exact propagators to compute once before the run (exact with per-neuron coefficients). */
  perNeuron?: { n: number; coefficients: Expr[]; clampRows: boolean[] };
  /**
   * Exact integration with constant propagators and constant inputs, as data: the new value of
   * state r is `live[r]` when not refractory and `held[r]` otherwise (the same rows when nothing
   * is clamped). `code` computes exactly these sums, in this order (for other back ends).
   */
  linear?: { live: LinearRow[]; held: LinearRow[] } | undefined;
  /**
   * Forward Euler without noise, as data: right-hand sides over the old values, and which of them
   * are multiplied by not_refractory. `code` is x ← x + dt·f + 0 from these (for other back ends).
   */
  euler?: { f: Expr[]; clamp: boolean[] } | undefined;
}

/** One term of a row: coef × state, coef × a non-constant input, or the constant coef. */
export interface LinearTerm {
  coef: number;
  state?: number;
  input?: number;
}

/** A state's update: kept as it is (clamped), or the sum of its terms from left to right (0 if none). */
export interface LinearRow {
  keep: boolean;
  terms: LinearTerm[];
}

export class IntegrationError extends Error {}

interface Split {
  det: Expr;
  noise: Map<string, Expr>;
}

function splitNoise(eq: DiffEq): Split {
  let det: Expr = eq.f;
  const noise = new Map<string, Expr>();
  for (const id of identifiers(eq.f)) {
    if (!isNoiseName(id)) continue;
    const p = splitLinear(det, id);
    if (!p?.a) throw new IntegrationError(`the noise term ${id} must enter d${eq.name}/dt linearly`);
    noise.set(id, p.a);
    det = p.b ?? num(0);
  }
  return { det, noise };
}

const refsState = (e: Expr, states: Set<string>): boolean => [...identifiers(e)].some((n) => states.has(n));

/** Chooses and emits the integrator. `requested` undefined = Brian 2's default ('exact', 'euler', 'heun'). */
export function integrate(
  input: IntegratorInput,
  requested: Method | undefined,
  hasRefractory: boolean,
): Integration {
  const splits = input.eqs.map(splitNoise);
  const stochastic = splits.some((s) => s.noise.size > 0);
  const states = new Set(input.eqs.map((e) => e.name));
  const multiplicative = splits.some((s) =>
    [...s.noise.values()].some(
      (g) => refsState(g, states) || [...identifiers(g)].some((n) => n === 't' || input.isTimeVarying(n)),
    ),
  );
  if (requested === undefined) {
    if (!stochastic) {
      try {
        return exact(input, hasRefractory);
      } catch (e) {
        if (!(e instanceof IntegrationError)) throw e;
      }
      return explicit(input, splits, 'euler', hasRefractory);
    }
    return explicit(input, splits, multiplicative ? 'heun' : 'euler', hasRefractory);
  }
  if (requested === 'exact') {
    if (stochastic)
      throw new IntegrationError(
        'method "exact" cannot integrate stochastic equations (they contain xi); use "euler" (additive noise) or "heun"',
      );
    return exact(input, hasRefractory);
  }
  if (requested === 'exponential_euler') {
    if (stochastic)
      throw new IntegrationError(
        'method "exponential_euler" cannot integrate stochastic equations; use "euler" or "heun"',
      );
    return exponentialEuler(input, hasRefractory);
  }
  if (stochastic && requested === 'euler' && multiplicative)
    throw new IntegrationError(
      'method "euler" only integrates additive noise; this noise is multiplicative (its factor depends on the state), use "heun"',
    );
  if (stochastic && (requested === 'rk2' || requested === 'rk4'))
    throw new IntegrationError(
      `method "${requested}" cannot integrate stochastic equations; use "euler" or "heun"`,
    );
  return explicit(input, splits, requested, hasRefractory);
}

function clampFactor(eq: DiffEq, hasRefractory: boolean, code: string): string {
  return eq.clamp && hasRefractory ? `(${code}) * nr` : code;
}

function explicit(
  input: IntegratorInput,
  splits: Split[],
  method: 'euler' | 'rk2' | 'rk4' | 'heun',
  hasRefractory: boolean,
): Integration {
  const { eqs } = input;
  const lines: string[] = [];
  const noiseNames = new Set<string>();
  for (const s of splits) for (const n of s.noise.keys()) noiseNames.add(n);
  const dtL = literal(input.dt);
  for (const n of noiseNames) lines.push(`const _dW_${n} = ${literal(Math.sqrt(input.dt))} * F.randn();`);
  // f evaluated at a shifted state: state names map to expressions of the locals.
  const at = (shift: ((name: string) => string) | undefined, tShift: string | undefined): EmitContext => ({
    ref: (n) => {
      if (shift && input.eqs.some((e) => e.name === n)) return shift(n);
      if (n === 't' && tShift) return tShift;
      return input.ctx.ref(n);
    },
    ...(input.ctx.timed ? { timed: input.ctx.timed } : {}),
  });
  const f = (k: number, ctx: EmitContext): string =>
    clampFactor(eqs[k]!, hasRefractory, emit(splits[k]!.det, ctx));
  const g = (k: number, n: string, ctx: EmitContext): string => {
    const e = splits[k]!.noise.get(n);
    return e ? clampFactor(eqs[k]!, hasRefractory, emit(e, ctx)) : '0';
  };
  const base = at(undefined, undefined);
  const L = (k: number) => input.local(eqs[k]!.name);
  const noiseSum = (k: number, ctx: EmitContext): string =>
    [...noiseNames]
      .filter((n) => splits[k]!.noise.has(n))
      .map((n) => ` + ${g(k, n, ctx)} * _dW_${n}`)
      .join('');
  if (method === 'euler') {
    eqs.forEach((_, k) => lines.push(`const _f${k} = ${f(k, base)};`));
    eqs.forEach((_, k) => lines.push(`const _g${k} = 0${noiseSum(k, base)};`));
    eqs.forEach((_, k) => lines.push(`${L(k)} = ${L(k)} + ${dtL} * _f${k} + _g${k};`));
    if (noiseNames.size === 0)
      return {
        method,
        code: lines.join('\n'),
        euler: { f: splits.map((sp) => sp.det), clamp: eqs.map((e) => e.clamp && hasRefractory) },
      };
  } else if (method === 'rk2') {
    eqs.forEach((_, k) => lines.push(`const _k${k} = ${dtL} * ${f(k, base)};`));
    const mid = at(
      (n) => `(${input.local(n)} + 0.5 * _k${eqs.findIndex((e) => e.name === n)})`,
      `(t + ${literal(input.dt / 2)})`,
    );
    eqs.forEach((_, k) => lines.push(`const _n${k} = ${L(k)} + ${dtL} * ${f(k, mid)};`));
    eqs.forEach((_, k) => lines.push(`${L(k)} = _n${k};`));
  } else if (method === 'rk4') {
    const idx = (n: string) => eqs.findIndex((e) => e.name === n);
    eqs.forEach((_, k) => lines.push(`const _k1_${k} = ${dtL} * ${f(k, base)};`));
    const s2 = at((n) => `(${input.local(n)} + 0.5 * _k1_${idx(n)})`, `(t + ${literal(input.dt / 2)})`);
    eqs.forEach((_, k) => lines.push(`const _k2_${k} = ${dtL} * ${f(k, s2)};`));
    const s3 = at((n) => `(${input.local(n)} + 0.5 * _k2_${idx(n)})`, `(t + ${literal(input.dt / 2)})`);
    eqs.forEach((_, k) => lines.push(`const _k3_${k} = ${dtL} * ${f(k, s3)};`));
    const s4 = at((n) => `(${input.local(n)} + _k3_${idx(n)})`, `(t + ${dtL})`);
    eqs.forEach((_, k) => lines.push(`const _k4_${k} = ${dtL} * ${f(k, s4)};`));
    eqs.forEach((_, k) =>
      lines.push(`${L(k)} = ${L(k)} + (_k1_${k} + 2 * _k2_${k} + 2 * _k3_${k} + _k4_${k}) / 6;`),
    );
  } else {
    // heun (Stratonovich), one support point per noise symbol.
    eqs.forEach((_, k) => lines.push(`const _f${k} = ${f(k, base)};`));
    const terms: string[][] = eqs.map(() => []);
    for (const n of noiseNames) {
      eqs.forEach((_, k) => lines.push(`const _g${k}_${n} = ${g(k, n, base)};`));
      eqs.forEach((_, k) => lines.push(`const _s${k}_${n} = ${L(k)} + _g${k}_${n} * _dW_${n};`));
      const sup = at((m) => `_s${eqs.findIndex((e) => e.name === m)}_${n}`, `(t + ${dtL})`);
      eqs.forEach((_, k) => terms[k]!.push(`0.5 * _dW_${n} * (_g${k}_${n} + ${g(k, n, sup)})`));
    }
    eqs.forEach((_, k) =>
      lines.push(`const _n${k} = ${L(k)} + ${dtL} * _f${k}${terms[k]!.map((t) => ' + ' + t).join('')};`),
    );
    eqs.forEach((_, k) => lines.push(`${L(k)} = _n${k};`));
  }
  return { method, code: lines.join('\n') };
}

function exponentialEuler(input: IntegratorInput, hasRefractory: boolean): Integration {
  const lines: string[] = [];
  const dtL = literal(input.dt);
  input.eqs.forEach((eq, k) => {
    const p = splitLinear(eq.f, eq.name);
    if (!p)
      throw new IntegrationError(
        `method "exponential_euler" needs each equation to be linear in its own variable; d${eq.name}/dt is not linear in ${eq.name} (use "rk4" or "euler")`,
      );
    const x = input.local(eq.name);
    let upd: string;
    if (!p.a) upd = `${x} + ${dtL} * (${p.b ? emit(p.b, input.ctx) : '0'})`;
    else if (!p.b) upd = `${x} * Math.exp(${emit(p.a, input.ctx)} * ${dtL})`;
    else {
      lines.push(`const _A${k} = ${emit(p.a, input.ctx)};`);
      lines.push(`const _BA${k} = (${emit(p.b, input.ctx)}) / _A${k};`);
      upd = `(${x} + _BA${k}) * Math.exp(_A${k} * ${dtL}) - _BA${k}`;
    }
    lines.push(`const _n${k} = ${eq.clamp && hasRefractory ? `nr ? ${upd} : ${x}` : upd};`);
  });
  input.eqs.forEach((eq, k) => lines.push(`${input.local(eq.name)} = _n${k};`));
  return { method: 'exponential_euler', code: lines.join('\n') };
}

/** The exact (linear) integrator. Coefficients must be constant over the run. */
function exact(input: IntegratorInput, hasRefractory: boolean): Integration {
  const { eqs } = input;
  const n = eqs.length;
  const names = eqs.map((e) => e.name);
  const states = new Set(names);
  const timeEq = eqs.find((e) => e.explicitTime);
  if (timeEq)
    throw new IntegrationError(
      `method "exact" needs right-hand sides that are constant over a time step; d${timeEq.name}/dt depends on t (use a timed array, or "euler"/"rk4", or leave "method" out)`,
    );
  const A: (Expr | undefined)[][] = [];
  const b: (Expr | undefined)[] = [];
  for (const eq of eqs) {
    const row: (Expr | undefined)[] = [];
    let rest: Expr | undefined = eq.f;
    for (const x of names) {
      const p: ReturnType<typeof splitLinear> = rest ? splitLinear(rest, x) : {};
      if (!p)
        throw new IntegrationError(
          `method "exact" needs linear equations; d${eq.name}/dt is not linear in ${x} (use "exponential_euler", "rk4" or "euler", or leave "method" out)`,
        );
      if (p.a && refsState(p.a, states))
        throw new IntegrationError(
          `method "exact" needs linear equations; d${eq.name}/dt multiplies state variables together (use "exponential_euler", "rk4" or "euler", or leave "method" out)`,
        );
      row.push(p.a);
      rest = p.b;
    }
    A.push(row);
    b.push(rest);
  }
  const clampRows = eqs.map((e) => e.clamp && hasRefractory);
  const anyClamp = clampRows.some(Boolean);
  // Coefficients: constants, or per-neuron values that never change during the run.
  const coeffNames = new Set<string>();
  for (const row of A) for (const a of row) if (a) for (const id of identifiers(a)) coeffNames.add(id);
  for (const id of coeffNames) {
    if (id === 't' || input.isTimeVarying(id))
      throw new IntegrationError(
        `method "exact" needs coefficients that stay constant over a time step, but "${id}" changes (use "exponential_euler" or "rk4")`,
      );
  }
  if ([...coeffNames].some((id) => input.isWritten?.(id))) return exactDynamic(input, A, b, clampRows);
  const allConst = [...coeffNames].every((id) => input.constValue(id) !== undefined);
  const lines: string[] = [];
  b.forEach((e, k) => lines.push(`const _b${k} = ${e ? emit(e, input.ctx) : '0'};`));
  const L = (k: number) => input.local(names[k]!);
  const body = (
    m: (r: number, c: number) => string | undefined,
    kk: (r: number, c: number) => string | undefined,
    frozen: boolean[],
  ): string[] => {
    const out: string[] = [];
    for (let r = 0; r < n; r++) {
      if (frozen[r]) {
        out.push(`const _n${r} = ${L(r)};`);
        continue;
      }
      const terms: string[] = [];
      for (let c = 0; c < n; c++) {
        const mv = m(r, c);
        if (mv !== undefined) terms.push(`${mv} * ${L(c)}`);
      }
      for (let c = 0; c < n; c++) {
        if (frozen[c] || !b[c]) continue;
        const kv = kk(r, c);
        if (kv !== undefined) terms.push(`${kv} * _b${c}`);
      }
      out.push(`const _n${r} = ${terms.length ? terms.join(' + ') : '0'};`);
    }
    for (let r = 0; r < n; r++) out.push(`${L(r)} = _n${r};`);
    return out;
  };
  if (allConst) {
    const evalC = (e: Expr | undefined): number => (e ? evalConst(e, input.constValue) : 0);
    // Inhomogeneous terms that are constants fold into one literal per row.
    const bConst = b.map((e) => {
      if (!e) return 0;
      try {
        return evalConst(e, input.constValue);
      } catch {
        return undefined;
      }
    });
    /** Each row's update for one refractory state, as terms summed left to right. */
    const rows = (frozen: boolean[]): LinearRow[] => {
      const a = new Float64Array(n * n);
      for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) a[r * n + c] = frozen[r] ? 0 : evalC(A[r]![c]);
      const { M, K } = exactPropagators(a, n, input.dt);
      return eqs.map((_, r) => {
        if (frozen[r]) return { keep: true, terms: [] };
        const terms: LinearTerm[] = [];
        for (let c = 0; c < n; c++) if (M[r * n + c] !== 0) terms.push({ coef: M[r * n + c]!, state: c });
        let folded = 0;
        for (let c = 0; c < n; c++) {
          if (frozen[c] || !b[c] || K[r * n + c] === 0) continue;
          const bc = bConst[c];
          if (bc !== undefined) folded += K[r * n + c]! * bc;
          else terms.push({ coef: K[r * n + c]!, input: c });
        }
        if (folded !== 0) terms.push({ coef: folded });
        return { keep: false, terms };
      });
    };
    const show = (row: LinearRow, r: number): string => {
      if (row.keep) return L(r);
      const terms = row.terms.map((t) =>
        t.state !== undefined
          ? `${literal(t.coef)} * ${L(t.state)}`
          : t.input !== undefined
            ? `${literal(t.coef)} * _b${t.input}`
            : literal(t.coef),
      );
      return terms.length ? terms.join(' + ') : '0';
    };
    lines.length = 0;
    b.forEach((e, k) => {
      if (e && bConst[k] === undefined) lines.push(`const _b${k} = ${emit(e, input.ctx)};`);
    });
    // Rows that refractoriness does not change are computed once; the others select on nr.
    const live = rows(eqs.map(() => false));
    const held = anyClamp ? rows(clampRows) : live;
    live.forEach((row, r) => {
      const a = show(row, r);
      const h = show(held[r]!, r);
      lines.push(`const _n${r} = ${a === h ? a : `nr ? ${a} : ${h}`};`);
    });
    eqs.forEach((_, r) => lines.push(`${L(r)} = _n${r};`));
    const linear = bConst.every((v) => v !== undefined) ? { live, held } : undefined;
    return { method: 'exact', code: lines.join('\n'), linear };
  }
  // Per-neuron propagators, computed once before the run into P_M / P_K (and P_M0 / P_K0).
  const nn = n * n;
  const ref = (arr: string) => (r: number, c: number) => `${arr}[_o + ${r * n + c}]`;
  lines.push(`const _o = idx * ${nn};`);
  if (anyClamp)
    lines.push(
      `if (nr) {`,
      ...body(
        ref('P_M'),
        ref('P_K'),
        eqs.map(() => false),
      ),
      `} else {`,
      ...body(ref('P_M0'), ref('P_K0'), clampRows),
      `}`,
    );
  else
    lines.push(
      ...body(
        ref('P_M'),
        ref('P_K'),
        eqs.map(() => false),
      ),
    );
  const coefficients: Expr[] = [];
  for (const row of A) for (const a of row) coefficients.push(a ?? num(0));
  return { method: 'exact', code: lines.join('\n'), perNeuron: { n, coefficients, clampRows } };
}

/**
 * Exact integration whose coefficients are parameters written by statements (e.g. a conductance
 * incremented by synapses): the propagators are computed every step from the current values, as
 * Brian 2's symbolic solution reads them every step.
 */
function exactDynamic(
  input: IntegratorInput,
  A: (Expr | undefined)[][],
  b: (Expr | undefined)[],
  clampRows: boolean[],
): Integration {
  const n = A.length;
  const dtL = literal(input.dt);
  const L = (k: number) => input.local(input.eqs[k]!.name);
  const lines: string[] = [];
  b.forEach((e, k) => lines.push(`const _b${k} = ${e ? emit(e, input.ctx) : '0'};`));
  const coef = (r: number, c: number, frozen: boolean) =>
    frozen || !A[r]![c] ? '0' : emit(A[r]![c], input.ctx);
  const variant = (frozen: boolean[]): string[] => {
    const out: string[] = [];
    if (n === 1) {
      if (frozen[0]) return [];
      out.push(`const _a = ${coef(0, 0, false)};`);
      out.push(`const _e = Math.exp(_a * ${dtL});`);
      out.push(`const _k = _a === 0 ? ${dtL} : Math.expm1(_a * ${dtL}) / _a;`);
      out.push(`${L(0)} = _e * ${L(0)} + _k * _b0;`);
      return out;
    }
    for (let r = 0; r < n; r++)
      for (let c = 0; c < n; c++) out.push(`_Abuf[${r * n + c}] = ${coef(r, c, frozen[r]!)};`);
    out.push(`const _P = F.propagators(_Abuf, ${n}, ${dtL});`);
    for (let r = 0; r < n; r++) {
      if (frozen[r]) {
        out.push(`const _n${r} = ${L(r)};`);
        continue;
      }
      const terms: string[] = [];
      for (let c = 0; c < n; c++) terms.push(`_P.M[${r * n + c}] * ${L(c)}`);
      for (let c = 0; c < n; c++) if (!frozen[c] && b[c]) terms.push(`_P.K[${r * n + c}] * _b${c}`);
      out.push(`const _n${r} = ${terms.join(' + ')};`);
    }
    for (let r = 0; r < n; r++) out.push(`${L(r)} = _n${r};`);
    return out;
  };
  if (n > 1) lines.unshift(`const _Abuf = F.scratch(${n * n});`);
  const anyClamp = clampRows.some(Boolean);
  if (anyClamp)
    lines.push(`if (nr) {`, ...variant(clampRows.map(() => false)), `} else {`, ...variant(clampRows), `}`);
  else lines.push(...variant(clampRows.map(() => false)));
  return { method: 'exact', code: lines.join('\n') };
}

/** Evaluates a constant expression (numbers, constants, units, pure functions). */
export function evalConst(e: Expr, value: (name: string) => number | undefined): number {
  switch (e.k) {
    case 'num':
      return e.value;
    case 'name': {
      const v = value(e.name);
      if (v === undefined) throw new Error(`evalConst: ${e.name} is not constant`);
      return v;
    }
    case 'unary':
      return e.op === '-'
        ? -evalConst(e.arg, value)
        : e.op === '+'
          ? evalConst(e.arg, value)
          : Number(!evalConst(e.arg, value));
    case 'bin': {
      const l = evalConst(e.left, value);
      const r = evalConst(e.right, value);
      switch (e.op) {
        case '+':
          return l + r;
        case '-':
          return l - r;
        case '*':
          return l * r;
        case '/':
          return l / r;
        case '//':
          return Math.floor(l / r);
        case '%':
          return ((l % r) + r) % r;
        case '**':
          return l ** r;
      }
      break;
    }
    case 'call': {
      const args = e.args.map((a) => evalConst(a, value));
      if (Object.hasOwn(PURE_FUNCTIONS, e.name)) return PURE_FUNCTIONS[e.name]!(...args);
      break;
    }
    default:
      break;
  }
  throw new Error(`evalConst: not a constant expression`);
}
