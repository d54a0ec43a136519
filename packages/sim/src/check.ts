/**
 * Dimension and type inference over the AST. Every identifier is resolved through a scope; unknown
 * names and functions, and every dimension mismatch, become diagnostics at their exact position.
 */
import type { Expr } from './ast.js';
import { didYouMean, type Reporter, type Where } from './diagnostics.js';
import {
  DIMENSIONLESS,
  SECOND,
  dimDiv,
  dimEq,
  dimMul,
  dimName,
  dimPow,
  isDimensionless,
  type Dim,
} from './units.js';

export interface Sym {
  kind: 'var' | 'const' | 'unit' | 'builtin' | 'sub' | 'noise';
  dim: Dim;
  bool: boolean;
  /** SI value of constants and units. */
  value?: number;
  integer?: boolean;
  /** Defined on a line that did not parse: uses stay silent instead of cascading errors. */
  poisoned?: boolean;
}

export interface TimedArrayInfo {
  dim: Dim;
  twoD: boolean;
}

export interface Scope {
  lookup(name: string): Sym | undefined;
  timed(name: string): TimedArrayInfo | undefined;
  names(): Iterable<string>;
}

export interface Type {
  dim: Dim;
  bool: boolean;
  /** Known at compile time (constants, units, numbers). */
  value?: number;
}

type UnaryMath = (x: number) => number;

/** (e^x − 1)/x, continuous at 0 (a series near it, where expm1(x)/x loses digits). */
export function exprel(x: number): number {
  return x === 0 ? 1 : Math.abs(x) < 1e-5 ? 1 + x / 2 + (x * x) / 6 : Math.expm1(x) / x;
}
/** Functions of one dimensionless argument. */
export const DIMENSIONLESS_FUNCTIONS: Record<string, UnaryMath> = {
  exp: Math.exp,
  log: Math.log,
  log10: Math.log10,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  arcsin: Math.asin,
  arccos: Math.acos,
  arctan: Math.atan,
  exprel,
};

/**
 * Every pure function of the language, as compile-time constant folding evaluates it (the
 * kernels call the same Math functions, and `exprel`, at run time).
 */
export const PURE_FUNCTIONS: Record<string, (...x: number[]) => number> = {
  ...DIMENSIONLESS_FUNCTIONS,
  sqrt: Math.sqrt,
  abs: Math.abs,
  floor: Math.floor,
  ceil: Math.ceil,
  sign: Math.sign,
  int: Math.trunc,
  clip: (x, lo, hi) => Math.min(Math.max(x, lo), hi),
};
export const KNOWN_FUNCTIONS = [
  ...Object.keys(DIMENSIONLESS_FUNCTIONS),
  'sqrt',
  'abs',
  'floor',
  'ceil',
  'clip',
  'sign',
  'int',
  'rand',
  'randn',
];

const isZeroLiteral = (e: Expr): boolean =>
  (e.k === 'num' && e.value === 0) || (e.k === 'unary' && e.op === '-' && isZeroLiteral(e.arg));

export function isNoiseName(n: string): boolean {
  return n === 'xi' || /^xi_[A-Za-z0-9_]+$/.test(n);
}
export const NOISE_DIM = dimPow(SECOND, -0.5);

/** Infers the type of `e`; reports problems and returns undefined when it cannot. */
export function typeOf(e: Expr, scope: Scope, where: Where, rep: Reporter): Type | undefined {
  const err = (
    node: Expr,
    message: string,
    code: 'dimension_mismatch' | 'type_error' = 'dimension_mismatch',
  ) => rep.at(code, where.path, where.src, node.pos, node.end - node.pos, message);
  /** Mismatched operands are reported at the operator, which is where the two sides meet. */
  const errAtOp = (node: Expr, message: string) => {
    const opPos = (node.k === 'bin' || node.k === 'cmp') && node.opPos !== undefined ? node.opPos : undefined;
    if (opPos === undefined) return err(node, message);
    rep.at(
      'dimension_mismatch',
      where.path,
      where.src,
      opPos,
      node.k === 'bin' || node.k === 'cmp' ? node.op.length : 1,
      message,
    );
  };
  const visit = (n: Expr): Type | undefined => {
    switch (n.k) {
      case 'num':
        return { dim: DIMENSIONLESS, bool: false, value: n.value };
      case 'name': {
        if (isNoiseName(n.name)) return { dim: NOISE_DIM, bool: false };
        const s = scope.lookup(n.name);
        if (!s) {
          const notes = didYouMean(n.name, scope.names());
          rep.at(
            'unknown_identifier',
            where.path,
            where.src,
            n.pos,
            n.end - n.pos,
            `unknown identifier "${n.name}"`,
            notes,
          );
          return undefined;
        }
        if (s.poisoned) return undefined;
        return { dim: s.dim, bool: s.bool, ...(s.value !== undefined ? { value: s.value } : {}) };
      }
      case 'call':
        return visitCall(n);
      case 'unary': {
        const a = visit(n.arg);
        if (!a) return undefined;
        if (n.op === 'not') return { dim: DIMENSIONLESS, bool: true };
        return {
          dim: a.dim,
          bool: false,
          ...(a.value !== undefined ? { value: n.op === '-' ? -a.value : a.value } : {}),
        };
      }
      case 'logic': {
        const l = visit(n.left);
        const r = visit(n.right);
        if (!l || !r) return undefined;
        for (const [side, t] of [
          [n.left, l],
          [n.right, r],
        ] as const) {
          if (!t.bool && !isDimensionless(t.dim))
            err(side, `"${n.op}" needs conditions, got a quantity in ${dimName(t.dim)}`, 'type_error');
        }
        return { dim: DIMENSIONLESS, bool: true };
      }
      case 'cmp': {
        const l = visit(n.left);
        const r = visit(n.right);
        if (!l || !r) return undefined;
        if (!dimEq(l.dim, r.dim) && !isZeroLiteral(n.left) && !isZeroLiteral(n.right)) {
          errAtOp(n, `cannot compare ${dimName(l.dim)} and ${dimName(r.dim)}`);
          return undefined;
        }
        return { dim: DIMENSIONLESS, bool: true };
      }
      case 'bin': {
        const l = visit(n.left);
        const r = visit(n.right);
        if (!l || !r) return undefined;
        const both = l.value !== undefined && r.value !== undefined;
        switch (n.op) {
          case '+':
          case '-':
          case '%': {
            if (!dimEq(l.dim, r.dim)) {
              const verb = n.op === '+' ? 'add' : n.op === '-' ? 'subtract' : 'take the remainder of';
              errAtOp(n, `cannot ${verb} ${dimName(l.dim)} and ${dimName(r.dim)}`);
              return undefined;
            }
            const value = both
              ? n.op === '+'
                ? l.value! + r.value!
                : n.op === '-'
                  ? l.value! - r.value!
                  : pyMod(l.value!, r.value!)
              : undefined;
            return { dim: l.dim, bool: false, ...(value !== undefined ? { value } : {}) };
          }
          case '*':
            return {
              dim: dimMul(l.dim, r.dim),
              bool: false,
              ...(both ? { value: l.value! * r.value! } : {}),
            };
          case '/':
            return {
              dim: dimDiv(l.dim, r.dim),
              bool: false,
              ...(both ? { value: l.value! / r.value! } : {}),
            };
          case '//':
            return {
              dim: dimDiv(l.dim, r.dim),
              bool: false,
              ...(both ? { value: Math.floor(l.value! / r.value!) } : {}),
            };
          case '**': {
            if (!isDimensionless(r.dim)) {
              err(n.right, `an exponent must be dimensionless, got ${dimName(r.dim)}`);
              return undefined;
            }
            if (isDimensionless(l.dim))
              return { dim: DIMENSIONLESS, bool: false, ...(both ? { value: l.value! ** r.value! } : {}) };
            if (r.value === undefined) {
              err(n.right, `the exponent of a quantity in ${dimName(l.dim)} must be a constant number`);
              return undefined;
            }
            return {
              dim: dimPow(l.dim, r.value),
              bool: false,
              ...(both ? { value: l.value! ** r.value } : {}),
            };
          }
        }
      }
    }
  };
  const visitCall = (n: Extract<Expr, { k: 'call' }>): Type | undefined => {
    const args = n.args.map(visit);
    if (args.some((a) => !a)) return undefined;
    const a = args as Type[];
    const arity = (k: number): boolean => {
      if (a.length === k) return true;
      rep.at(
        'type_error',
        where.path,
        where.src,
        n.pos,
        n.end - n.pos,
        `${n.name}() takes ${k} argument${k === 1 ? '' : 's'}, got ${a.length}`,
      );
      return false;
    };
    const timed = scope.timed(n.name);
    if (timed) {
      if (!arity(timed.twoD ? 2 : 1)) return undefined;
      if (!dimEq(a[0]!.dim, SECOND)) {
        err(n.args[0]!, `${n.name}() takes a time as its first argument, got ${dimName(a[0]!.dim)}`);
        return undefined;
      }
      return { dim: timed.dim, bool: false };
    }
    // Own properties only: a name such as `constructor` is not a function of the language.
    const fn = Object.hasOwn(DIMENSIONLESS_FUNCTIONS, n.name) ? DIMENSIONLESS_FUNCTIONS[n.name] : undefined;
    if (fn) {
      if (!arity(1)) return undefined;
      if (!isDimensionless(a[0]!.dim)) {
        err(n.args[0]!, `${n.name}() needs a dimensionless argument, got ${dimName(a[0]!.dim)}`);
        return undefined;
      }
      return {
        dim: DIMENSIONLESS,
        bool: false,
        ...(a[0]!.value !== undefined ? { value: fn(a[0]!.value) } : {}),
      };
    }
    switch (n.name) {
      case 'sqrt':
        if (!arity(1)) return undefined;
        return {
          dim: dimPow(a[0]!.dim, 0.5),
          bool: false,
          ...(a[0]!.value !== undefined ? { value: Math.sqrt(a[0]!.value) } : {}),
        };
      case 'abs':
      case 'floor':
      case 'ceil': {
        if (!arity(1)) return undefined;
        const f = n.name === 'abs' ? Math.abs : n.name === 'floor' ? Math.floor : Math.ceil;
        return {
          dim: a[0]!.dim,
          bool: false,
          ...(a[0]!.value !== undefined ? { value: f(a[0]!.value) } : {}),
        };
      }
      case 'sign':
        if (!arity(1)) return undefined;
        return { dim: DIMENSIONLESS, bool: false };
      case 'int':
        if (!arity(1)) return undefined;
        if (!a[0]!.bool && !isDimensionless(a[0]!.dim)) {
          err(n.args[0]!, `int() needs a dimensionless value or a condition, got ${dimName(a[0]!.dim)}`);
          return undefined;
        }
        return {
          dim: DIMENSIONLESS,
          bool: false,
          ...(a[0]!.value !== undefined ? { value: Math.trunc(a[0]!.value) } : {}),
        };
      case 'clip': {
        if (!arity(3)) return undefined;
        for (let k = 1; k < 3; k++) {
          if (!dimEq(a[k]!.dim, a[0]!.dim) && !isZeroLiteral(n.args[k]!)) {
            err(
              n.args[k]!,
              `clip() bounds must have the dimension of its value (${dimName(a[0]!.dim)}), got ${dimName(a[k]!.dim)}`,
            );
            return undefined;
          }
        }
        return { dim: a[0]!.dim, bool: false };
      }
      case 'rand':
      case 'randn':
        if (!arity(0)) return undefined;
        return { dim: DIMENSIONLESS, bool: false };
      default: {
        const notes = didYouMean(n.name, KNOWN_FUNCTIONS);
        rep.at(
          'unknown_function',
          where.path,
          where.src,
          n.pos,
          n.name.length,
          `unknown function "${n.name}"`,
          notes,
        );
        return undefined;
      }
    }
  };
  return visit(e);
}

export function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}
