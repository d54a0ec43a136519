/**
 * Equations of a group (Brian 2 syntax) after parsing and checking: which names are state
 * variables, parameters or subexpressions, their dimensions and flags, and their right-hand sides
 * with subexpressions inlined.
 */
import { identifiers, mapExpr, type Equation, type Expr } from './ast.js';
import { typeOf, type Scope, type Sym } from './check.js';
import type { Reporter, Where } from './diagnostics.js';
import { parseEquations } from './parser.js';
import { DIMENSIONLESS, SECOND, dimDiv, dimEq, dimName, type Dim } from './units.js';

export interface VarDef {
  name: string;
  kind: 'state' | 'param' | 'sub';
  dim: Dim;
  type: 'float' | 'boolean' | 'integer';
  flags: Set<string>;
  /** Right-hand side as written (diff equations and subexpressions). */
  expr?: Expr;
  eq: Equation;
}

export interface ModelDef {
  vars: Map<string, VarDef>;
  /** Names defined on lines that did not parse or check (their uses stay silent). */
  broken: Set<string>;
  /** Differential equations in declaration order. */
  diffs: VarDef[];
  where: Where;
}

export const NEURON_FLAGS: Record<VarDef['kind'], string[]> = {
  state: ['unless refractory'],
  param: ['constant', 'shared'],
  sub: ['shared', 'constant over dt'],
};
export const SYNAPSE_FLAGS: Record<VarDef['kind'], string[]> = {
  state: ['event-driven', 'clock-driven'],
  param: ['constant', 'shared'],
  sub: ['summed', 'shared', 'constant over dt'],
};

/** Evaluates the unit part of an equation (`volt`, `1`, `siemens/meter**2`). */
export function unitDim(e: Expr, units: Scope, where: Where, rep: Reporter): Dim | undefined {
  const t = typeOf(e, units, where, rep);
  return t?.dim;
}

/**
 * Parses `src` into variable definitions. `reserved` names (i, t, N, …) cannot be redefined.
 * Right-hand sides are checked later by {@link checkModel}, once the full scope is known.
 */
export function parseModel(
  src: string,
  where: Where,
  rep: Reporter,
  units: Scope,
  allowedFlags: Record<VarDef['kind'], string[]>,
  reserved: ReadonlySet<string>,
): ModelDef {
  const { equations, errors, broken: brokenNames } = parseEquations(src);
  const broken = new Set(brokenNames);
  for (const e of errors) rep.at('syntax_error', where.path, src, e.pos, e.length, e.message);
  const vars = new Map<string, VarDef>();
  const diffs: VarDef[] = [];
  for (const eq of equations) {
    if (vars.has(eq.name)) {
      rep.at(
        'duplicate_definition',
        where.path,
        src,
        eq.namePos,
        eq.name.length,
        `"${eq.name}" is defined twice`,
      );
      continue;
    }
    if (reserved.has(eq.name)) {
      rep.at(
        'duplicate_definition',
        where.path,
        src,
        eq.namePos,
        eq.name.length,
        `"${eq.name}" is a built-in variable and cannot be redefined`,
      );
      continue;
    }
    let dim: Dim = DIMENSIONLESS;
    if (eq.unit) {
      const d = unitDim(eq.unit, units, where, rep);
      if (!d) {
        broken.add(eq.name);
        continue;
      }
      dim = d;
    }
    const kind: VarDef['kind'] = eq.kind === 'diff' ? 'state' : eq.kind;
    const flags = new Set<string>();
    for (const f of eq.flags) {
      if (!allowedFlags[kind].includes(f)) {
        const what =
          kind === 'state' ? 'a differential equation' : kind === 'param' ? 'a parameter' : 'a subexpression';
        const allowed = allowedFlags[kind].map((a) => `"${a}"`).join(', ');
        rep.at(
          'invalid_value',
          where.path,
          src,
          eq.flagsPos,
          f.length + 2,
          `unknown flag "${f}" for ${what}; allowed: ${allowed}`,
        );
        continue;
      }
      flags.add(f);
    }
    const v: VarDef = {
      name: eq.name,
      kind,
      dim,
      type: eq.type,
      flags,
      eq,
      ...(eq.expr ? { expr: eq.expr } : {}),
    };
    vars.set(eq.name, v);
    if (kind === 'state') diffs.push(v);
  }
  return { vars, diffs, where, broken };
}

/** Symbols for a model's own variables. */
export function modelSymbols(m: ModelDef): Map<string, Sym> {
  const out = new Map<string, Sym>();
  for (const n of m.broken) out.set(n, { kind: 'var', dim: DIMENSIONLESS, bool: false, poisoned: true });
  for (const v of m.vars.values()) {
    out.set(v.name, {
      kind: v.kind === 'sub' ? 'sub' : 'var',
      dim: v.dim,
      bool: v.type === 'boolean',
      integer: v.type === 'integer',
    });
  }
  return out;
}

/** Checks right-hand sides against declared units and finds subexpression cycles. */
export function checkModel(m: ModelDef, scope: Scope, rep: Reporter): void {
  const { where } = m;
  for (const v of m.vars.values()) {
    if (!v.expr) continue;
    const t = typeOf(v.expr, scope, where, rep);
    if (!t) continue;
    if (v.kind === 'state') {
      if (v.type === 'boolean') {
        rep.at(
          'type_error',
          where.path,
          where.src,
          v.eq.namePos,
          v.name.length,
          `a differential equation cannot be boolean`,
        );
        continue;
      }
      const want = dimDiv(v.dim, SECOND);
      if (!dimEq(t.dim, want)) {
        rep.at(
          'dimension_mismatch',
          where.path,
          where.src,
          v.expr.pos,
          v.expr.end - v.expr.pos,
          `d${v.name}/dt must be in ${dimName(want)} (${v.name} is in ${dimName(v.dim)}), but the right-hand side is in ${dimName(t.dim)}`,
        );
      }
    } else if (v.type === 'boolean') {
      if (!t.bool)
        rep.at(
          'type_error',
          where.path,
          where.src,
          v.expr.pos,
          v.expr.end - v.expr.pos,
          `"${v.name}" is boolean, but its expression is not a condition`,
        );
    } else if (!dimEq(t.dim, v.dim)) {
      rep.at(
        'dimension_mismatch',
        where.path,
        where.src,
        v.expr.pos,
        v.expr.end - v.expr.pos,
        `"${v.name}" is declared in ${dimName(v.dim)}, but its expression is in ${dimName(t.dim)}`,
      );
    }
  }
  // Subexpression cycles.
  const state = new Map<string, 0 | 1 | 2>();
  const visit = (name: string, stack: string[]): void => {
    const v = m.vars.get(name);
    if (!v || v.kind !== 'sub' || !v.expr) return;
    const s = state.get(name) ?? 0;
    if (s === 2) return;
    if (s === 1) {
      rep.at(
        'cycle',
        where.path,
        where.src,
        v.eq.namePos,
        v.name.length,
        `subexpressions refer to each other in a cycle: ${[...stack, name].join(' → ')}`,
      );
      return;
    }
    state.set(name, 1);
    for (const id of identifiers(v.expr)) visit(id, [...stack, name]);
    state.set(name, 2);
  };
  for (const v of m.vars.values()) visit(v.name, []);
}

/** Replaces subexpression names by their (recursively inlined) expressions. */
export function inlineSubexpressions(
  e: Expr,
  m: ModelDef,
  extra?: (name: string) => Expr | undefined,
  depth = 0,
): Expr {
  if (depth > 50) return e;
  return mapExpr(e, (n) => {
    if (n.k !== 'name') return undefined;
    const v = m.vars.get(n.name);
    if (v?.kind === 'sub' && v.expr) return inlineSubexpressions(v.expr, m, extra, depth + 1);
    return extra?.(n.name);
  });
}

/**
 * Whether `e` reads `t` other than as the argument of a timed array or through a
 * `(constant over dt)` subexpression (those are constant over a step, as Brian 2 treats them).
 */
export function mentionsTime(
  e: Expr,
  m: ModelDef,
  ns: { timed: ReadonlyMap<string, unknown> },
  depth = 0,
): boolean {
  if (depth > 50) return false;
  switch (e.k) {
    case 'num':
      return false;
    case 'name': {
      if (e.name === 't') return true;
      const v = m.vars.get(e.name);
      return (
        v?.kind === 'sub' &&
        !!v.expr &&
        !v.flags.has('constant over dt') &&
        mentionsTime(v.expr, m, ns, depth + 1)
      );
    }
    case 'call':
      if (ns.timed.has(e.name)) return e.args.slice(1).some((a) => mentionsTime(a, m, ns, depth));
      return e.args.some((a) => mentionsTime(a, m, ns, depth));
    case 'unary':
      return mentionsTime(e.arg, m, ns, depth);
    default:
      return mentionsTime(e.left, m, ns, depth) || mentionsTime(e.right, m, ns, depth);
  }
}
