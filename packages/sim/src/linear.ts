/**
 * Symbolic helpers on the AST: splitting an expression into `a*x + b` (the basis of the `exact`
 * and `exponential_euler` integrators, and of noise terms `g*xi`), substitution and simplification.
 */
import { bin, identifiers, mapExpr, neg, num, type Expr } from './ast.js';

export interface LinearParts {
  /** Coefficient of x (undefined = 0). */
  a?: Expr;
  /** Remainder, free of x (undefined = 0). */
  b?: Expr;
}

const mentions = (e: Expr, x: string): boolean => identifiers(e).has(x);

const add = (l: Expr | undefined, r: Expr | undefined): Expr | undefined =>
  !l ? r : !r ? l : bin('+', l, r);
const sub = (l: Expr | undefined, r: Expr | undefined): Expr | undefined =>
  !r ? l : !l ? neg(r) : bin('-', l, r);
const mul = (l: Expr | undefined, r: Expr): Expr | undefined =>
  !l ? undefined : isOne(l) ? r : isOne(r) ? l : bin('*', l, r);
const isOne = (e: Expr): boolean => e.k === 'num' && e.value === 1;

/** Splits `e` as `a*x + b` with `a` and `b` free of `x`; undefined if `e` is not linear in `x`. */
export function splitLinear(e: Expr, x: string): LinearParts | undefined {
  if (!mentions(e, x)) return { b: e };
  switch (e.k) {
    case 'name':
      return { a: num(1) };
    case 'unary': {
      if (e.op === 'not') return undefined;
      const p = splitLinear(e.arg, x);
      if (!p) return undefined;
      return e.op === '-' ? { ...(p.a ? { a: neg(p.a) } : {}), ...(p.b ? { b: neg(p.b) } : {}) } : p;
    }
    case 'bin': {
      if (e.op === '+' || e.op === '-') {
        const l = splitLinear(e.left, x);
        const r = splitLinear(e.right, x);
        if (!l || !r) return undefined;
        const f = e.op === '+' ? add : sub;
        const a = f(l.a, r.a);
        const b = f(l.b, r.b);
        return { ...(a ? { a } : {}), ...(b ? { b } : {}) };
      }
      if (e.op === '*') {
        const lx = mentions(e.left, x);
        const rx = mentions(e.right, x);
        if (lx && rx) return undefined;
        const [lin, other] = lx ? [e.left, e.right] : [e.right, e.left];
        const p = splitLinear(lin, x);
        if (!p) return undefined;
        const a = mul(p.a, other);
        const b = p.b ? bin('*', p.b, other) : undefined;
        return { ...(a ? { a } : {}), ...(b ? { b } : {}) };
      }
      if (e.op === '/') {
        if (mentions(e.right, x)) return undefined;
        const p = splitLinear(e.left, x);
        if (!p) return undefined;
        return {
          ...(p.a ? { a: bin('/', p.a, e.right) } : {}),
          ...(p.b ? { b: bin('/', p.b, e.right) } : {}),
        };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Replaces names by expressions. */
export function substitute(e: Expr, map: ReadonlyMap<string, Expr>): Expr {
  return mapExpr(e, (n) => (n.k === 'name' ? map.get(n.name) : undefined));
}

export { mentions };
