/**
 * Parser for the expression, statement and equation language (Python-like precedence, as Brian 2).
 * Errors carry the offset and length of the offending text; callers turn them into diagnostics.
 */
import type { AssignOp, CompareOp, Equation, Expr, Statement } from './ast.js';

export class ParseError extends Error {
  constructor(
    message: string,
    readonly pos: number,
    readonly length = 1,
  ) {
    super(message);
  }
}

type TokKind = 'num' | 'id' | 'op' | 'eof';
interface Token {
  kind: TokKind;
  text: string;
  pos: number;
  value?: number;
}

const OPS = [
  '**',
  '//',
  '<=',
  '>=',
  '==',
  '!=',
  '+=',
  '-=',
  '*=',
  '/=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '<',
  '>',
  '=',
  '(',
  ')',
  ',',
  ':',
];

function tokenize(src: string, start: number, end: number): Token[] {
  const toks: Token[] = [];
  let p = start;
  while (p < end) {
    const c = src[p]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      p++;
      continue;
    }
    const numMatch = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(p, end));
    if (numMatch) {
      const text = numMatch[0];
      const after = src[p + text.length];
      if (after !== undefined && /[A-Za-z_]/.test(after) && p + text.length < end) {
        throw new ParseError(
          `invalid number "${text}${after}" (write a multiplication: ${text}*${after}…)`,
          p,
          text.length + 1,
        );
      }
      toks.push({ kind: 'num', text, pos: p, value: Number(text) });
      p += text.length;
      continue;
    }
    const idMatch = /^[A-Za-z_µμ][A-Za-z0-9_]*/.exec(src.slice(p, end));
    if (idMatch) {
      toks.push({ kind: 'id', text: idMatch[0], pos: p });
      p += idMatch[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, p));
    if (op) {
      toks.push({ kind: 'op', text: op, pos: p });
      p += op.length;
      continue;
    }
    throw new ParseError(`unexpected character "${c}"`, p, 1);
  }
  toks.push({ kind: 'eof', text: '', pos: end });
  return toks;
}

const COMPARE: ReadonlySet<string> = new Set(['<', '<=', '>', '>=', '==', '!=']);
const KEYWORDS: ReadonlySet<string> = new Set([
  'and',
  'or',
  'not',
  'if',
  'else',
  'for',
  'in',
  'lambda',
  'True',
  'False',
]);

/**
 * How deeply expressions may nest. Every later pass (checking, code generation) recurses over the
 * tree, so a hostile `((((…))))` or `-----…x` must stop here with a diagnostic, not a stack overflow.
 */
export const MAX_DEPTH = 200;

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly toks: Token[]) {}

  private enter(): void {
    if (++this.depth > MAX_DEPTH) {
      const t = this.peek();
      throw new ParseError(
        `expression nested too deeply (more than ${MAX_DEPTH} levels)`,
        t.pos,
        Math.max(1, t.text.length),
      );
    }
  }

  peek(): Token {
    return this.toks[this.i]!;
  }
  next(): Token {
    return this.toks[this.i++]!;
  }
  atEnd(): boolean {
    return this.peek().kind === 'eof';
  }
  isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === text;
  }
  isWord(text: string): boolean {
    const t = this.peek();
    return t.kind === 'id' && t.text === text;
  }
  expectOp(text: string, what: string): Token {
    const t = this.peek();
    if (t.kind !== 'op' || t.text !== text) throw this.unexpected(t, what);
    return this.next();
  }
  unexpected(t: Token, what: string): ParseError {
    if (t.kind === 'eof') return new ParseError(`unexpected end of expression, expected ${what}`, t.pos, 1);
    return new ParseError(`unexpected "${t.text}", expected ${what}`, t.pos, Math.max(1, t.text.length));
  }

  expression(): Expr {
    this.enter();
    const e = this.or();
    this.depth--;
    return checkDepth(e);
  }
  private or(): Expr {
    let left = this.and();
    while (this.isWord('or')) {
      this.next();
      const right = this.and();
      left = { k: 'logic', op: 'or', left, right, pos: left.pos, end: right.end };
    }
    return left;
  }
  private and(): Expr {
    let left = this.not();
    while (this.isWord('and')) {
      this.next();
      const right = this.not();
      left = { k: 'logic', op: 'and', left, right, pos: left.pos, end: right.end };
    }
    return left;
  }
  private not(): Expr {
    if (this.isWord('not')) {
      const t = this.next();
      this.enter();
      const arg = this.not();
      this.depth--;
      return { k: 'unary', op: 'not', arg, pos: t.pos, end: arg.end };
    }
    return this.comparison();
  }
  private comparison(): Expr {
    let left = this.sum();
    // Python chains comparisons: a < b < c means a < b and b < c.
    let result: Expr | undefined;
    while (this.peek().kind === 'op' && COMPARE.has(this.peek().text)) {
      const opTok = this.next();
      const op = opTok.text as CompareOp;
      const right = this.sum();
      const cmp: Expr = { k: 'cmp', op, left, right, pos: left.pos, end: right.end, opPos: opTok.pos };
      result = result
        ? { k: 'logic', op: 'and', left: result, right: cmp, pos: result.pos, end: cmp.end }
        : cmp;
      left = right;
    }
    return result ?? left;
  }
  private sum(): Expr {
    let left = this.term();
    while (this.isOp('+') || this.isOp('-')) {
      const opTok = this.next();
      const op = opTok.text as '+' | '-';
      const right = this.term();
      left = { k: 'bin', op, left, right, pos: left.pos, end: right.end, opPos: opTok.pos };
    }
    return left;
  }
  private term(): Expr {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const opTok = this.next();
      const op = opTok.text as '*' | '/' | '//' | '%';
      const right = this.unary();
      left = { k: 'bin', op, left, right, pos: left.pos, end: right.end, opPos: opTok.pos };
    }
    return left;
  }
  private unary(): Expr {
    if (this.isOp('-') || this.isOp('+')) {
      const t = this.next();
      this.enter();
      const arg = this.unary();
      this.depth--;
      return { k: 'unary', op: t.text as '-' | '+', arg, pos: t.pos, end: arg.end };
    }
    return this.power();
  }
  private power(): Expr {
    const base = this.atom();
    if (this.isOp('**')) {
      this.next();
      const exp = this.unary();
      return { k: 'bin', op: '**', left: base, right: exp, pos: base.pos, end: exp.end };
    }
    return base;
  }
  private atom(): Expr {
    const t = this.peek();
    if (t.kind === 'num') {
      this.next();
      return { k: 'num', value: t.value!, pos: t.pos, end: t.pos + t.text.length };
    }
    if (t.kind === 'id') {
      if (t.text === 'True' || t.text === 'False') {
        this.next();
        return { k: 'num', value: t.text === 'True' ? 1 : 0, pos: t.pos, end: t.pos + t.text.length };
      }
      if (KEYWORDS.has(t.text)) throw new ParseError(`unexpected keyword "${t.text}"`, t.pos, t.text.length);
      this.next();
      if (this.isOp('(')) {
        this.next();
        const args: Expr[] = [];
        if (!this.isOp(')')) {
          for (;;) {
            args.push(this.expression());
            if (this.isOp(',')) {
              this.next();
              continue;
            }
            break;
          }
        }
        const close = this.expectOp(')', '")" or ","');
        return { k: 'call', name: t.text, args, pos: t.pos, end: close.pos + 1 };
      }
      return { k: 'name', name: t.text, pos: t.pos, end: t.pos + t.text.length };
    }
    if (t.kind === 'op' && t.text === '(') {
      this.next();
      const e = this.expression();
      const close = this.expectOp(')', '")"');
      return { ...e, pos: t.pos, end: close.pos + 1 };
    }
    throw this.unexpected(t, 'a number, a name or "("');
  }
}

/**
 * Long chains of binary operators (`a + a + … + a`) are built by loops, not recursion, but make
 * deep trees: measure the depth without recursing and refuse what later passes could not walk.
 */
function checkDepth(e: Expr): Expr {
  const stack: [Expr, number][] = [[e, 1]];
  while (stack.length) {
    const [n, d] = stack.pop()!;
    if (d > MAX_DEPTH)
      throw new ParseError(
        `expression nested too deeply (more than ${MAX_DEPTH} levels); split it into subexpressions`,
        n.pos,
        Math.max(1, n.end - n.pos),
      );
    switch (n.k) {
      case 'num':
      case 'name':
        break;
      case 'call':
        for (const a of n.args) stack.push([a, d + 1]);
        break;
      case 'unary':
        stack.push([n.arg, d + 1]);
        break;
      default:
        stack.push([n.left, d + 1], [n.right, d + 1]);
    }
  }
  return e;
}

/** Replaces `# …` comments by spaces so that offsets stay valid. */
export function stripComments(src: string): string {
  return src.replace(/#[^\n]*/g, (m) => ' '.repeat(m.length));
}

/** Parses a whole string as one expression. */
export function parseExpression(src: string, start = 0, end = src.length): Expr {
  const p = new Parser(tokenize(src, start, end));
  if (p.atEnd()) throw new ParseError('empty expression', start, 1);
  const e = p.expression();
  if (!p.atEnd()) throw p.unexpected(p.peek(), 'an operator or the end of the expression');
  return e;
}

/** Splits a multi-line field into non-empty segments (lines, and `;` inside lines), keeping offsets. */
function segments(src: string, splitSemicolons: boolean): [number, number][] {
  const out: [number, number][] = [];
  const clean = stripComments(src);
  let start = 0;
  for (let p = 0; p <= clean.length; p++) {
    const c = clean[p];
    if (p === clean.length || c === '\n' || (splitSemicolons && c === ';')) {
      if (clean.slice(start, p).trim() !== '') out.push([start, p]);
      start = p + 1;
    }
  }
  return out;
}

const ASSIGN: ReadonlySet<string> = new Set(['=', '+=', '-=', '*=', '/=']);

/** Statements: `x = e`, `x += e`, … one per line or separated by `;`. */
export function parseStatements(src: string): { statements: Statement[]; errors: ParseError[] } {
  const clean = stripComments(src);
  const statements: Statement[] = [];
  const errors: ParseError[] = [];
  for (const [s, e] of segments(src, true)) {
    try {
      const toks = tokenize(clean, s, e);
      const first = toks[0]!;
      const op = toks[1];
      if (first.kind !== 'id' || !op || op.kind !== 'op' || !ASSIGN.has(op.text)) {
        const bad = first.kind === 'id' ? (op ?? first) : first;
        throw new ParseError(
          `expected a statement like "x = expression" or "x += expression"`,
          bad.pos,
          Math.max(1, bad.text.length),
        );
      }
      const p = new Parser(toks.slice(2));
      if (p.atEnd()) throw new ParseError(`missing expression after "${op.text}"`, op.pos, op.text.length);
      const expr = p.expression();
      if (!p.atEnd()) throw p.unexpected(p.peek(), 'an operator or the end of the statement');
      statements.push({
        target: first.text,
        targetPos: first.pos,
        op: op.text as AssignOp,
        expr,
        pos: first.pos,
        end: expr.end,
      });
    } catch (err) {
      if (err instanceof ParseError) errors.push(err);
      else throw err;
    }
  }
  return { statements, errors };
}

const EQ_FLAG = /\(([^()]*)\)\s*$/;

/** Brian 2 equations: `dv/dt = e : unit (flags)`, `x = e : unit (flags)`, `x : unit (flags)`. */
export function parseEquations(src: string): {
  equations: Equation[];
  errors: ParseError[];
  broken: string[];
} {
  const clean = stripComments(src);
  const equations: Equation[] = [];
  const errors: ParseError[] = [];
  const broken: string[] = [];
  for (const [s, e] of segments(src, false)) {
    try {
      equations.push(parseEquationLine(clean, s, e));
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      errors.push(err);
      // The name a broken line most likely defines, so that its uses do not cascade into errors.
      const m = /^\s*(?:d([A-Za-z_]\w*)\s*\/\s*dt|([A-Za-z_]\w*))/.exec(clean.slice(s, e));
      const n = m?.[1] ?? m?.[2];
      if (n) broken.push(n);
    }
  }
  return { equations, errors, broken };
}

function parseEquationLine(src: string, s: number, e: number): Equation {
  const line = src.slice(s, e);
  // The unit part follows the last ':' that is not inside parentheses.
  let depth = 0;
  let colon = -1;
  const open: number[] = [];
  for (let p = 0; p < line.length; p++) {
    const c = line[p];
    if (c === '(') {
      depth++;
      open.push(p);
    } else if (c === ')') {
      depth--;
      open.pop();
    } else if (c === ':' && depth === 0) colon = p;
  }
  if (depth > 0 && colon < 0)
    throw new ParseError('unclosed "(": a ")" is missing', s + open[open.length - 1]!, 1);
  const firstNonSpace = s + (line.length - line.trimStart().length);
  if (colon < 0)
    throw new ParseError(
      'missing ": unit" (every equation ends with its unit, e.g. ": volt" or ": 1")',
      s + line.trimEnd().length,
      1,
    );
  // Flags: a trailing "(...)" after the unit.
  let unitEnd = s + line.length;
  let flags: string[] = [];
  let flagsPos = unitEnd;
  const tail = line.slice(colon + 1);
  const fm = EQ_FLAG.exec(tail);
  if (fm && /[A-Za-z_]/.test(fm[1] ?? '') && !/^[\s\d.*/+-]*$/.test(fm[1] ?? '')) {
    const unitText = tail.slice(0, fm.index);
    // "(unless refractory)" vs a parenthesised unit like "(1/second)": flags are words only.
    if (/^[\sA-Za-z_,-]+$/.test(fm[1]!) && unitText.trim() !== '') {
      flags = fm[1]!
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean);
      flagsPos = s + colon + 1 + fm.index;
      unitEnd = flagsPos;
    }
  }
  const unitStart = s + colon + 1;
  const unitText = src.slice(unitStart, unitEnd).trim();
  let type: Equation['type'] = 'float';
  let unit: Expr | undefined;
  if (unitText === '') throw new ParseError('missing unit after ":"', unitStart, 1);
  if (unitText === 'boolean' || unitText === 'bool') type = 'boolean';
  else if (unitText === 'integer') type = 'integer';
  else unit = parseExpression(src, unitStart, unitEnd);
  const lhsEnd = s + colon;
  const lhs = src.slice(s, lhsEnd);
  const eq = indexOfTopLevelEquals(lhs);
  if (eq < 0) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(lhs);
    if (!m)
      throw new ParseError(
        'expected "name : unit", "name = expression : unit" or "dname/dt = expression : unit"',
        firstNonSpace,
        Math.max(1, lhs.trim().length),
      );
    return {
      kind: 'param',
      name: m[1]!,
      namePos: s + lhs.indexOf(m[1]!),
      type,
      ...(unit ? { unit } : {}),
      unitPos: unitStart,
      flags,
      flagsPos,
      pos: firstNonSpace,
      end: e,
    };
  }
  const left = lhs.slice(0, eq);
  const rhsStart = s + eq + 1;
  const expr = parseExpression(src, rhsStart, lhsEnd);
  const dm = /^\s*d([A-Za-z_][A-Za-z0-9_]*)\s*\/\s*dt\s*$/.exec(left);
  if (dm) {
    return {
      kind: 'diff',
      name: dm[1]!,
      namePos: s + left.indexOf('d') + 1,
      expr,
      type,
      ...(unit ? { unit } : {}),
      unitPos: unitStart,
      flags,
      flagsPos,
      pos: firstNonSpace,
      end: e,
    };
  }
  const sm = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(left);
  if (sm) {
    return {
      kind: 'sub',
      name: sm[1]!,
      namePos: s + left.indexOf(sm[1]!),
      expr,
      type,
      ...(unit ? { unit } : {}),
      unitPos: unitStart,
      flags,
      flagsPos,
      pos: firstNonSpace,
      end: e,
    };
  }
  throw new ParseError(
    'left-hand side must be "dx/dt" or a name',
    firstNonSpace,
    Math.max(1, left.trim().length),
  );
}

function indexOfTopLevelEquals(s: string): number {
  for (let p = 0; p < s.length; p++) {
    if (
      s[p] === '=' &&
      s[p + 1] !== '=' &&
      s[p - 1] !== '=' &&
      s[p - 1] !== '<' &&
      s[p - 1] !== '>' &&
      s[p - 1] !== '!'
    )
      return p;
  }
  return -1;
}
