/** The closed expression language of NETWORK-SPEC.md, with source positions (offsets in the field). */

export type BinaryOp = '+' | '-' | '*' | '/' | '//' | '%' | '**';
export type CompareOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

interface Span {
  /** Offset of the first character in the field's string. */
  pos: number;
  /** Offset one past the last character. */
  end: number;
}

export type Expr =
  | ({ k: 'num'; value: number } & Span)
  | ({ k: 'name'; name: string } & Span)
  | ({ k: 'call'; name: string; args: Expr[] } & Span)
  | ({ k: 'unary'; op: '-' | '+' | 'not'; arg: Expr } & Span)
  | ({ k: 'bin'; op: BinaryOp; left: Expr; right: Expr; opPos?: number } & Span)
  | ({ k: 'cmp'; op: CompareOp; left: Expr; right: Expr; opPos?: number } & Span)
  | ({ k: 'logic'; op: 'and' | 'or'; left: Expr; right: Expr } & Span);

export type AssignOp = '=' | '+=' | '-=' | '*=' | '/=';

export interface Statement extends Span {
  target: string;
  targetPos: number;
  op: AssignOp;
  expr: Expr;
}

export type EquationKind = 'diff' | 'sub' | 'param';

export interface Equation extends Span {
  kind: EquationKind;
  name: string;
  namePos: number;
  /** Right-hand side for `diff` and `sub`. */
  expr?: Expr;
  /** The unit after the colon, as an expression over unit names; absent for `boolean`/`integer`. */
  unit?: Expr;
  /** `float` (default), `boolean` or `integer`. */
  type: 'float' | 'boolean' | 'integer';
  unitPos: number;
  flags: string[];
  flagsPos: number;
}

/** Free identifiers of an expression (function names excluded). */
export function identifiers(e: Expr, out = new Set<string>()): Set<string> {
  switch (e.k) {
    case 'num':
      break;
    case 'name':
      out.add(e.name);
      break;
    case 'call':
      for (const a of e.args) identifiers(a, out);
      break;
    case 'unary':
      identifiers(e.arg, out);
      break;
    default:
      identifiers(e.left, out);
      identifiers(e.right, out);
  }
  return out;
}

/** Calls made by an expression (`rand`, `exp`, a timed array…). */
export function calls(e: Expr, out = new Set<string>()): Set<string> {
  switch (e.k) {
    case 'num':
    case 'name':
      break;
    case 'call':
      out.add(e.name);
      for (const a of e.args) calls(a, out);
      break;
    case 'unary':
      calls(e.arg, out);
      break;
    default:
      calls(e.left, out);
      calls(e.right, out);
  }
  return out;
}

/** Rebuilds an expression bottom-up; `f` may replace any node. */
export function mapExpr(e: Expr, f: (e: Expr) => Expr | undefined): Expr {
  const r = f(e);
  if (r) return r;
  switch (e.k) {
    case 'num':
    case 'name':
      return e;
    case 'call':
      return { ...e, args: e.args.map((a) => mapExpr(a, f)) };
    case 'unary':
      return { ...e, arg: mapExpr(e.arg, f) };
    default:
      return { ...e, left: mapExpr(e.left, f), right: mapExpr(e.right, f) };
  }
}

export const num = (value: number): Expr => ({ k: 'num', value, pos: 0, end: 0 });
export const name = (n: string): Expr => ({ k: 'name', name: n, pos: 0, end: 0 });
export const bin = (op: BinaryOp, left: Expr, right: Expr): Expr => ({
  k: 'bin',
  op,
  left,
  right,
  pos: left.pos,
  end: right.end,
});
export const neg = (arg: Expr): Expr => ({ k: 'unary', op: '-', arg, pos: arg.pos, end: arg.end });
export const call = (n: string, ...args: Expr[]): Expr => ({ k: 'call', name: n, args, pos: 0, end: 0 });

/** Renders an expression back to text (for messages and generated-code comments). */
export function show(e: Expr): string {
  switch (e.k) {
    case 'num':
      return String(e.value);
    case 'name':
      return e.name;
    case 'call':
      return `${e.name}(${e.args.map(show).join(', ')})`;
    case 'unary':
      return e.op === 'not' ? `not ${show(e.arg)}` : `${e.op}${show(e.arg)}`;
    default:
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
  }
}
