/**
 * JavaScript emission from the AST. This is the only path from user text to executable code:
 * identifiers are mapped through the context (never pasted), numbers are re-printed from their
 * parsed values, operators and functions come from closed tables.
 */
import type { Expr } from './ast.js';
import { exprel } from './check.js';
import { exactPropagators } from './expm.js';

export interface EmitContext {
  /** JS expression for a name (a local, an array element, a literal). */
  ref: (name: string) => string;
  /** JS expression for a timed-array call. */
  timed?: (name: string, args: string[]) => string;
}

const MATH: Record<string, string> = {
  exp: 'Math.exp',
  log: 'Math.log',
  log10: 'Math.log10',
  sin: 'Math.sin',
  cos: 'Math.cos',
  tan: 'Math.tan',
  sinh: 'Math.sinh',
  cosh: 'Math.cosh',
  tanh: 'Math.tanh',
  arcsin: 'Math.asin',
  arccos: 'Math.acos',
  arctan: 'Math.atan',
  sqrt: 'Math.sqrt',
  abs: 'Math.abs',
  floor: 'Math.floor',
  ceil: 'Math.ceil',
  sign: 'Math.sign',
};

export function literal(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '(-Infinity)';
  const s = String(v);
  return v < 0 || Object.is(v, -0) ? `(${s})` : s;
}

/** Emits `e` as a JS expression. Runtime helpers live on `F` (clip, exprel, mod, rand, randn). */
export function emit(e: Expr, ctx: EmitContext): string {
  const go = (n: Expr): string => {
    switch (n.k) {
      case 'num':
        return literal(n.value);
      case 'name':
        return ctx.ref(n.name);
      case 'unary':
        return n.op === 'not' ? `(!${go(n.arg)})` : n.op === '-' ? `(-${go(n.arg)})` : `(+${go(n.arg)})`;
      case 'logic':
        return `(${go(n.left)} ${n.op === 'and' ? '&&' : '||'} ${go(n.right)})`;
      case 'cmp': {
        const op = n.op === '==' ? '===' : n.op === '!=' ? '!==' : n.op;
        return `(${go(n.left)} ${op} ${go(n.right)})`;
      }
      case 'bin': {
        const l = go(n.left);
        const r = go(n.right);
        switch (n.op) {
          case '//':
            return `Math.floor(${l} / ${r})`;
          case '%':
            return `F.mod(${l}, ${r})`;
          case '**':
            if (n.right.k === 'num' && n.right.value === 2) return `(${l} * ${l})`;
            if (n.right.k === 'num' && n.right.value === 3) return `(${l} * ${l} * ${l})`;
            return `Math.pow(${l}, ${r})`;
          default:
            return `(${l} ${n.op} ${r})`;
        }
      }
      case 'call': {
        const args = n.args.map(go);
        const m = Object.hasOwn(MATH, n.name) ? MATH[n.name] : undefined;
        if (m) return `${m}(${args.join(', ')})`;
        switch (n.name) {
          case 'int':
            return `Math.trunc(+${args[0]!})`;
          case 'clip':
            return `Math.min(Math.max(${args[0]!}, ${args[1]!}), ${args[2]!})`;
          case 'exprel':
            return `F.exprel(${args[0]!})`;
          case 'rand':
            return `F.rand()`;
          case 'randn':
            return `F.randn()`;
        }
        if (ctx.timed) return ctx.timed(n.name, args);
        throw new Error(`emit: unchecked function ${n.name}`);
      }
    }
  };
  return go(e);
}

/** Runtime helpers shared by every kernel. */
export interface KernelHelpers {
  mod(a: number, b: number): number;
  exprel(x: number): number;
  rand(): number;
  randn(): number;
  /** Exact propagators for a matrix of coefficients (exact integration with changing coefficients). */
  propagators(a: Float64Array, n: number, dt: number): { M: Float64Array; K: Float64Array };
  /** A reusable scratch buffer of length n. */
  scratch(n: number): Float64Array;
}

/** The helpers bound as `F` in a kernel, drawing from `rng` (or from nothing, for pure read-outs). */
export function kernelHelpers(rng?: { rand(): number; randn(): number }): KernelHelpers {
  let scratch = new Float64Array(16);
  const none = (): number => {
    throw new Error('random numbers are not available here');
  };
  return {
    mod: (a, b) => {
      const r = a % b;
      return r !== 0 && r < 0 !== b < 0 ? r + b : r;
    },
    exprel,
    rand: rng ? () => rng.rand() : none,
    randn: rng ? () => rng.randn() : none,
    propagators: exactPropagators,
    scratch: (n) => (scratch.length >= n ? scratch : (scratch = new Float64Array(n))),
  };
}
