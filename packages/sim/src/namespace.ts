/**
 * The external namespace of a network: units, user constants (which may refer to each other, in
 * any order) and timed arrays. Also evaluates the spec's quantity fields (dt, duration, …).
 */
import { identifiers, type Expr } from './ast.js';
import { typeOf, type Scope, type Sym, type TimedArrayInfo } from './check.js';
import type { Reporter, Where } from './diagnostics.js';
import { ParseError, parseExpression } from './parser.js';
import { DIMENSIONLESS, UNITS, dimEq, dimName, type Dim } from './units.js';

export interface Quantity {
  value: number;
  dim: Dim;
}

export interface TimedArray {
  name: string;
  /** Row-major values, SI. `cols` = 1 for a 1-D array. */
  values: Float64Array;
  rows: number;
  cols: number;
  dt: number;
  dim: Dim;
}

export interface Namespace {
  constants: Map<string, Quantity>;
  timed: Map<string, TimedArray>;
}

export function unitScope(): Scope {
  return {
    lookup: (n) => {
      const u = UNITS.get(n);
      return u ? { kind: 'unit', dim: u.dim, bool: false, value: u.scale } : undefined;
    },
    timed: () => undefined,
    names: () => UNITS.keys(),
  };
}

/** Units and constants: the outer scope of every expression. */
export function namespaceScope(
  ns: Namespace,
  inner?: (name: string) => Sym | undefined,
  innerNames?: () => Iterable<string>,
): Scope {
  return {
    lookup: (n) => {
      const s = inner?.(n);
      if (s) return s;
      const c = ns.constants.get(n);
      if (c) return { kind: 'const', dim: c.dim, bool: false, value: c.value };
      const u = UNITS.get(n);
      return u ? { kind: 'unit', dim: u.dim, bool: false, value: u.scale } : undefined;
    },
    timed: (n): TimedArrayInfo | undefined => {
      const t = ns.timed.get(n);
      return t ? { dim: t.dim, twoD: t.cols > 1 } : undefined;
    },
    names: function* () {
      if (innerNames) yield* innerNames();
      yield* ns.constants.keys();
      yield* ns.timed.keys();
    },
  };
}

/** Parses a field that holds one expression, reporting syntax errors. */
export function parseField(src: string, path: string, rep: Reporter): Expr | undefined {
  try {
    return parseExpression(src);
  } catch (e) {
    if (e instanceof ParseError) {
      rep.at('syntax_error', path, src, e.pos, e.length, e.message);
      return undefined;
    }
    throw e;
  }
}

/** Evaluates a constant quantity (a string expression or a number) in `scope`. */
export function evalQuantity(
  v: string | number,
  path: string,
  scope: Scope,
  rep: Reporter,
  want?: Dim,
): Quantity | undefined {
  if (typeof v === 'number') {
    if (want && !dimEq(want, DIMENSIONLESS)) {
      rep.field(
        'dimension_mismatch',
        path,
        `expected a quantity in ${dimName(want)}, got the bare number ${v} (write it with a unit, e.g. "${v}*${exampleUnit(want)}")`,
      );
      return undefined;
    }
    return { value: v, dim: DIMENSIONLESS };
  }
  const e = parseField(v, path, rep);
  if (!e) return undefined;
  const where: Where = { path, src: v };
  const before = rep.count;
  const t = typeOf(e, scope, where, rep);
  if (!t) return undefined;
  if (t.value === undefined) {
    if (rep.count === before)
      rep.at(
        'invalid_value',
        path,
        v,
        e.pos,
        e.end - e.pos,
        'must be a constant (it cannot depend on variables)',
      );
    return undefined;
  }
  if (want && !dimEq(t.dim, want)) {
    rep.at(
      'dimension_mismatch',
      path,
      v,
      e.pos,
      e.end - e.pos,
      `expected a quantity in ${dimName(want)}, got ${dimName(t.dim)}`,
    );
    return undefined;
  }
  return { value: t.value, dim: t.dim };
}

function exampleUnit(d: Dim): string {
  const n = dimName(d);
  return (
    (
      { second: 'ms', volt: 'mV', amp: 'nA', siemens: 'nS', farad: 'pF', hertz: 'Hz', ohm: 'Mohm' } as Record<
        string,
        string
      >
    )[n] ?? n
  );
}

type ConstantSpec =
  string | number | { timed: { values: number[] | number[][]; unit: string; dt: string | number } };

/** Builds the namespace: constants in dependency order (cycles reported), then timed arrays. */
export function buildNamespace(
  constants: Record<string, ConstantSpec> | undefined,
  rep: Reporter,
): Namespace {
  const ns: Namespace = { constants: new Map(), timed: new Map() };
  const entries = Object.entries(constants ?? {});
  const plain = new Map<string, string | number>();
  for (const [name, c] of entries) {
    if (typeof c === 'object') {
      const path = `constants.${name}.timed`;
      const unit = evalQuantity(c.timed.unit, `${path}.unit`, unitScope(), rep);
      const dt = evalQuantity(c.timed.dt, `${path}.dt`, unitScope(), rep, [0, 0, 1, 0, 0, 0, 0]);
      if (!unit || !dt) continue;
      if (!(dt.value > 0)) {
        rep.field('invalid_value', `${path}.dt`, 'must be positive');
        continue;
      }
      const rows = c.timed.values.length;
      const first = c.timed.values[0];
      const cols = Array.isArray(first) ? first.length : 1;
      const values = new Float64Array(rows * cols);
      let ok = rows > 0;
      c.timed.values.forEach((row, r) => {
        if (Array.isArray(row) !== cols > 1 || (Array.isArray(row) && row.length !== cols)) ok = false;
        else if (Array.isArray(row)) row.forEach((x, k) => (values[r * cols + k] = x * unit.value));
        else values[r] = row * unit.value;
      });
      if (!ok) {
        rep.field(
          'invalid_value',
          `${path}.values`,
          'must be a non-empty list of numbers, or of rows of equal length ([time][neuron])',
        );
        continue;
      }
      ns.timed.set(name, { name, values, rows, cols, dt: dt.value, dim: unit.dim });
    } else plain.set(name, c);
  }
  // Resolve plain constants in dependency order.
  const state = new Map<string, 'visiting' | 'done'>();
  const resolve = (name: string, stack: string[]): void => {
    if (state.get(name) === 'done') return;
    const src = plain.get(name);
    if (src === undefined) return;
    if (state.get(name) === 'visiting') {
      rep.field(
        'cycle',
        `constants.${name}`,
        `constants refer to each other in a cycle: ${[...stack, name].join(' → ')}`,
      );
      state.set(name, 'done');
      return;
    }
    state.set(name, 'visiting');
    const path = `constants.${name}`;
    if (typeof src === 'string') {
      const e = parseField(src, path, rep);
      if (e) {
        for (const dep of identifiers(e)) if (plain.has(dep) && dep !== name) resolve(dep, [...stack, name]);
        if (state.get(name) === 'done') return;
        const scope = namespaceScope(ns, undefined, () => plain.keys());
        const before = rep.count;
        const t = typeOf(e, scope, { path, src }, rep);
        if (t && t.value !== undefined) ns.constants.set(name, { value: t.value, dim: t.dim });
        else if (t && rep.count === before)
          rep.at('invalid_value', path, src, e.pos, e.end - e.pos, 'a constant cannot depend on variables');
      }
    } else ns.constants.set(name, { value: src, dim: DIMENSIONLESS });
    state.set(name, 'done');
  };
  for (const name of plain.keys()) resolve(name, []);
  return ns;
}
