/**
 * Initial values of group and synapse variables: per-element expressions (compiled kernels),
 * arrays of numbers or quantity strings, or `{values, unit}`. Runs in the spec's key order.
 */
import type { InitValue } from '@volley/spec';
import { typeOf, type Scope } from './check.js';
import { emit, type EmitContext } from './codegen.js';
import { kernelHelpers } from './codegen.js';
import type { Reporter } from './diagnostics.js';
import { makeKernel } from './kernel.js';
import { evalQuantity, parseField, unitScope } from './namespace.js';
import type { Rng } from './rng.js';
import { DIMENSIONLESS, dimEq, dimName, type Dim } from './units.js';

export interface InitTarget {
  name: string;
  dim: Dim;
  bool: boolean;
  integer: boolean;
}

/** A compiled initialiser: fills `out` (length n) given the element count and an RNG. */
export type Initializer = (out: Float64Array, rng: Rng) => void;

export interface InitContext {
  /** Scope of an init expression (element variables, i, N, pre/post for synapses, constants). */
  scope: Scope;
  /** Emission: names to JS (`a_v[idx]`, `idx`, …). */
  ctx: EmitContext;
  /** Kernel parameter names and values available to the generated code (arrays by name…). */
  params: string[];
  /** Values for `params`, resolved when the initializer runs (arrays exist only then). */
  args: () => unknown[];
  /** Element count. */
  count: () => number;
  /** Lines binding arrays and timed arrays, run before the fill loop. */
  prelude: string;
}

export function compileInit(
  v: InitValue,
  target: InitTarget,
  path: string,
  ic: InitContext,
  rep: Reporter,
): Initializer | undefined {
  const checkDim = (d: Dim, what: string): boolean => {
    if (target.bool || dimEq(d, target.dim)) return true;
    rep.field(
      'dimension_mismatch',
      path,
      `"${target.name}" is in ${dimName(target.dim)}, but ${what} is in ${dimName(d)}`,
    );
    return false;
  };
  const coerce = (x: number): number => (target.bool ? +!!x : target.integer ? Math.trunc(x) : x);
  if (typeof v === 'number') {
    if (v !== 0 && !checkDim(DIMENSIONLESS, `the number ${v}`)) return undefined;
    const x = coerce(v);
    return (out) => out.fill(x);
  }
  if (Array.isArray(v)) {
    const values = new Float64Array(v.length);
    let ok = true;
    v.forEach((item, k) => {
      const q = evalQuantity(item, `${path}.${k}`, ic.scope, rep);
      if (!q) ok = false;
      else if (!(typeof item === 'number' && item === 0) && !dimEq(q.dim, target.dim) && !target.bool) {
        rep.field(
          'dimension_mismatch',
          `${path}.${k}`,
          `"${target.name}" is in ${dimName(target.dim)}, but this value is in ${dimName(q.dim)}`,
        );
        ok = false;
      } else values[k] = coerce(q.value);
    });
    if (!ok) return undefined;
    return (out) => {
      if (out.length !== values.length) throw new InitLengthError(path, out.length, values.length);
      out.set(values);
    };
  }
  if (typeof v === 'object') {
    const unit = evalQuantity(v.unit, `${path}.unit`, unitScope(), rep);
    if (!unit || !checkDim(unit.dim, `the unit "${v.unit}"`)) return undefined;
    const values = Float64Array.from(v.values, (x) => coerce(x * unit.value));
    return (out) => {
      if (out.length !== values.length) throw new InitLengthError(path, out.length, values.length);
      out.set(values);
    };
  }
  const e = parseField(v, path, rep);
  if (!e) return undefined;
  const t = typeOf(e, ic.scope, { path, src: v }, rep);
  if (!t) return undefined;
  if (!target.bool && !dimEq(t.dim, target.dim) && !(t.value === 0)) {
    rep.at(
      'dimension_mismatch',
      path,
      v,
      e.pos,
      e.end - e.pos,
      `"${target.name}" is in ${dimName(target.dim)}, but this expression is in ${dimName(t.dim)}`,
    );
    return undefined;
  }
  const code = emit(e, ic.ctx);
  const conv = target.bool ? `+!!(${code})` : target.integer ? `Math.trunc(${code})` : code;
  return (out, rng) => {
    const F = kernelHelpers(rng);
    const fill = makeKernel<(out: Float64Array, n: number) => void>(
      ['F', ...ic.params],
      `${ic.prelude}\nreturn function (out, n) { for (let idx = 0; idx < n; idx++) { out[idx] = ${conv}; } };`,
      [F, ...ic.args()],
    );
    fill(out, ic.count());
  };
}

/** An array init whose length does not match the element count (known only once synapses exist). */
export class InitLengthError extends Error {
  constructor(
    readonly path: string,
    readonly expected: number,
    readonly got: number,
  ) {
    super(`${path}: needs one value per element: expected ${expected}, got ${got}`);
  }
}
