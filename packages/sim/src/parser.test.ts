/**
 * Golden tables for the parser: source text in, rendered AST out (`show()` fully parenthesises
 * every binary node, so precedence and associativity are visible), and for malformed input the
 * error message with its offset and length in the field's string. Precedence follows Python (as
 * Brian 2 does): `**` binds tighter than unary minus on its left and looser on its right,
 * comparisons chain, `not` < `and` < `or`.
 */
import { describe, expect, it } from 'vitest';
import { show, type Equation, type Expr, type Statement } from './ast.js';
import { ParseError, parseEquations, parseExpression, parseStatements, stripComments } from './parser.js';
import { compile } from './compile.js';

const renderStatement = (s: Statement): string => `${s.target} ${s.op} ${show(s.expr)}`;

const renderEquation = (e: Equation): string => {
  const lhs =
    e.kind === 'diff'
      ? `d${e.name}/dt = ${show(e.expr!)}`
      : e.kind === 'sub'
        ? `${e.name} = ${show(e.expr!)}`
        : e.name;
  const unit = e.unit ? show(e.unit) : e.type;
  const flags = e.flags.length ? ` [${e.flags.join(', ')}]` : '';
  return `${e.kind}: ${lhs} : ${unit}${flags}`;
};

/** The error a parse throws, as [message, offset, length]. */
function parseFailure(f: () => unknown): [string, number, number] {
  try {
    f();
  } catch (e) {
    if (e instanceof ParseError) return [e.message, e.pos, e.length];
    throw e;
  }
  throw new Error('expected a ParseError');
}

describe('expressions', () => {
  const GOLDEN: [string, string][] = [
    // atoms and numbers
    ['x', 'x'],
    ['v_post', 'v_post'],
    ['1', '1'],
    ['1.', '1'],
    ['.5', '0.5'],
    ['1.5', '1.5'],
    ['1e-3', '0.001'],
    ['1.5e3', '1500'],
    ['2.5E+2', '250'],
    ['0.27', '0.27'],
    ['True', '1'],
    ['False', '0'],
    ['  a  +  b  ', '(a + b)'],
    // power: right-associative, tighter than unary minus on its left, takes a signed exponent
    ['-x**2', '-(x ** 2)'],
    ['-2**2', '-(2 ** 2)'],
    ['2**-1', '(2 ** -1)'],
    ['a**b**c', '(a ** (b ** c))'],
    ['a**-b**c', '(a ** -(b ** c))'],
    ['(-x)**2', '(-x ** 2)'],
    ['second**-0.5', '(second ** -0.5)'],
    ['mV**-1', '(mV ** -1)'],
    // unary minus binds tighter than * and /
    ['-a*b', '(-a * b)'],
    ['2*-3', '(2 * -3)'],
    ['--a', '--a'],
    ['+a', '+a'],
    ['-t/tau', '(-t / tau)'],
    ['-65*mV', '(-65 * mV)'],
    // arithmetic: left-associative, * / // % above + -
    ['a - b - c', '((a - b) - c)'],
    ['a / b * c', '((a / b) * c)'],
    ['a / b / c', '((a / b) / c)'],
    ['a + b * c', '(a + (b * c))'],
    ['(a + b) * c', '((a + b) * c)'],
    ['a // b % c', '((a // b) % c)'],
    ['a % b * c', '((a % b) * c)'],
    ['a + b // c', '(a + (b // c))'],
    ['i % 2', '(i % 2)'],
    ['(60*0.27/10)*mV', '(((60 * 0.27) / 10) * mV)'],
    ['(I - v)/tau', '((I - v) / tau)'],
    ['siemens/meter**2', '(siemens / (meter ** 2))'],
    // comparisons, chained as in Python
    ['a < b', '(a < b)'],
    ['a + 1 > b * 2', '((a + 1) > (b * 2))'],
    ['a < b < c', '((a < b) and (b < c))'],
    ['a <= b == c != d', '(((a <= b) and (b == c)) and (c != d))'],
    ['0 <= i < 10', '((0 <= i) and (i < 10))'],
    ['v >= -50*mV', '(v >= (-50 * mV))'],
    // logic
    ['not a', 'not a'],
    ['not a < b', 'not (a < b)'],
    ['a and b', '(a and b)'],
    ['a and b and c', '((a and b) and c)'],
    ['a or b and c', '(a or (b and c))'],
    ['not a and b or c', '((not a and b) or c)'],
    ['not not a', 'not not a'],
    ['i != j and abs(i - j) < 3', '((i != j) and (abs((i - j)) < 3))'],
    ['i < 3200', '(i < 3200)'],
    // calls
    ['rand()', 'rand()'],
    ['exp(-t/tau)', 'exp((-t / tau))'],
    ['clip(w + apost, 0, wmax)', 'clip((w + apost), 0, wmax)'],
    ['f(x, y+1)', 'f(x, (y + 1))'],
    ['stim(t, i)', 'stim(t, i)'],
    ['int(t >= 20*ms)', 'int((t >= (20 * ms)))'],
    ['sqrt(2/tau)*xi', '(sqrt((2 / tau)) * xi)'],
    ['exprel(-(v + 40*mV)/(10*mV))', 'exprel((-(v + (40 * mV)) / (10 * mV)))'],
    ['a*exp(b)**2', '(a * (exp(b) ** 2))'],
  ];
  it.each(GOLDEN)('%j → %s', (src, rendered) => {
    expect(show(parseExpression(src))).toBe(rendered);
  });

  it('keeps source spans: parentheses belong to the node they enclose, calls end at ")"', () => {
    const e = parseExpression('a + f(b, c) * (d)');
    expect([e.pos, e.end]).toEqual([0, 17]);
    const right = (e as Extract<Expr, { k: 'bin' }>).right as Extract<Expr, { k: 'bin' }>;
    expect([right.left.pos, right.left.end]).toEqual([4, 11]);
    expect([right.right.pos, right.right.end]).toEqual([14, 17]);
  });

  it('parses inside a window of a larger string, offsets relative to the whole string', () => {
    const src = 'dv/dt = (1 - v)/tau : 1';
    const e = parseExpression(src, 8, 20);
    expect(show(e)).toBe('((1 - v) / tau)');
    expect([e.pos, e.end]).toEqual([8, 19]);
  });

  const ERRORS: [string, string, number, number][] = [
    // [source, message (substring), offset, length]
    ['', 'empty expression', 0, 1],
    ['a +', 'unexpected end of expression, expected a number, a name or "("', 3, 1],
    ['(a + b', 'unexpected end of expression, expected ")"', 6, 1],
    ['f(a,', 'unexpected end of expression', 4, 1],
    ['f(a b)', 'unexpected "b", expected ")" or ","', 4, 1],
    ['a b', 'unexpected "b", expected an operator or the end of the expression', 2, 1],
    ['a * * b', 'unexpected "*", expected a number, a name or "("', 4, 1],
    ['a )', 'unexpected ")"', 2, 1],
    ['3x', 'invalid number "3x"', 0, 2],
    ['10ms', 'invalid number "10m"', 0, 3],
    ['a $ b', 'unexpected character "$"', 2, 1],
    ['v > 1 if x', 'unexpected "if"', 6, 2],
    ['lambda', 'unexpected keyword "lambda"', 0, 6],
    ['a == ', 'unexpected end of expression', 5, 1],
    ['1.5.3', 'unexpected ".3"', 3, 2],
    ['x = 1', 'unexpected "="', 2, 1],
  ];
  it.each(ERRORS)('%j fails: %s at offset %i, length %i', (src, message, pos, length) => {
    const [m, p, l] = parseFailure(() => parseExpression(src));
    expect(m).toContain(message);
    expect([p, l]).toEqual([pos, length]);
  });
});

describe('statements', () => {
  const GOLDEN: [string, string[]][] = [
    ['', []],
    ['v = Vr', ['v = Vr']],
    ['x += e; y = 2', ['x += e', 'y = 2']],
    ['x += e ;y = 2;', ['x += e', 'y = 2']],
    [';;x=1;;', ['x = 1']],
    ['v -= 1*mV\nw *= 0.5\nu /= 2', ['v -= (1 * mV)', 'w *= 0.5', 'u /= 2']],
    ['v = c; u += d', ['v = c', 'u += d']],
    ['v_post += w  # excitatory\n# a whole comment line\n\n  apre += Apre', ['v_post += w', 'apre += Apre']],
    ['x = 1 # a comment; y = 2', ['x = 1']],
    ['w = clip(w + apost, 0, wmax)', ['w = clip((w + apost), 0, wmax)']],
    ['a = b == c', ['a = (b == c)']],
    ['ge += we\r\ngi += wi', ['ge += we', 'gi += wi']],
  ];
  it.each(GOLDEN)('%j → %j', (src, rendered) => {
    const { statements, errors } = parseStatements(src);
    expect(errors).toEqual([]);
    expect(statements.map(renderStatement)).toEqual(rendered);
  });

  it('records target and expression offsets in the field', () => {
    const { statements } = parseStatements('x += e; y = 2');
    expect(statements.map((s) => [s.targetPos, s.expr.pos, s.expr.end])).toEqual([
      [0, 5, 6],
      [8, 12, 13],
    ]);
  });

  const ERRORS: [string, string, number, number][] = [
    ['x + 1', 'expected a statement like "x = expression"', 2, 1],
    ['1 = x', 'expected a statement like "x = expression"', 0, 1],
    ['x == 1', 'expected a statement like "x = expression"', 2, 2],
    ['x = ', 'missing expression after "="', 2, 1],
    ['x += ', 'missing expression after "+="', 2, 2],
    ['x = 1\ny += (2', 'unexpected end of expression, expected ")"', 13, 1],
    ['x = 1; y = 2 +', 'unexpected end of expression', 14, 1],
    ['v = v $ 2', 'unexpected character "$"', 6, 1],
  ];
  it.each(ERRORS)('%j fails: %s at offset %i, length %i', (src, message, pos, length) => {
    const { errors } = parseStatements(src);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(message);
    expect([errors[0]!.pos, errors[0]!.length]).toEqual([pos, length]);
  });

  it('reports every broken statement and keeps the good ones', () => {
    const { statements, errors } = parseStatements('a = 1\nb + 2\nc = 3; d = \ne = 5');
    expect(statements.map(renderStatement)).toEqual(['a = 1', 'c = 3', 'e = 5']);
    expect(errors.map((e) => e.pos)).toEqual([8, 21]);
  });
});

describe('equations', () => {
  const GOLDEN: [string, string[]][] = [
    [
      'dv/dt = (I - v)/tau : volt (unless refractory)',
      ['diff: dv/dt = ((I - v) / tau) : volt [unless refractory]'],
    ],
    ['I = g*(E - v) : amp', ['sub: I = (g * (E - v)) : amp']],
    ['tau : second', ['param: tau : second']],
    ['tau : second (constant, shared)', ['param: tau : second [constant, shared]']],
    ['g_na : siemens/meter**2', ['param: g_na : (siemens / (meter ** 2))']],
    ['sigma : volt*second**-0.5', ['param: sigma : (volt * (second ** -0.5))']],
    ['noise : second**-0.5', ['param: noise : (second ** -0.5)']],
    ['rate : (1/second)', ['param: rate : (1 / second)']],
    ['x : (volt)', ['param: x : volt']],
    ['dx/dt = -x/tau : 1', ['diff: dx/dt = (-x / tau) : 1']],
    ['w : 1 (constant)', ['param: w : 1 [constant]']],
    ['spiking : boolean', ['param: spiking : boolean']],
    ['count : integer', ['param: count : integer']],
    ['dv / dt = -v/tau : volt', ['diff: dv/dt = (-v / tau) : volt']],
    ['dapre/dt = -apre/taupre : 1 (event-driven)', ['diff: dapre/dt = (-apre / taupre) : 1 [event-driven]']],
    [
      'Igap_post = w*(v_pre - v_post) : amp (summed)',
      ['sub: Igap_post = (w * (v_pre - v_post)) : amp [summed]'],
    ],
    [
      'I = I0*int(t >= 20*ms) : amp (constant over dt)',
      ['sub: I = (I0 * int((t >= (20 * ms)))) : amp [constant over dt]'],
    ],
    [
      'dv/dt = -v/tau + sigma*sqrt(2/tau)*xi : 1',
      ['diff: dv/dt = ((-v / tau) + ((sigma * sqrt((2 / tau))) * xi)) : 1'],
    ],
    [
      'dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)\ndge/dt = -ge/taue : volt\ndgi/dt = -gi/taui : volt',
      [
        'diff: dv/dt = (((ge + gi) - (v - El)) / taum) : volt [unless refractory]',
        'diff: dge/dt = (-ge / taue) : volt',
        'diff: dgi/dt = (-gi / taui) : volt',
      ],
    ],
    [
      '# a model\n\nv : volt  # membrane potential\n   \n  w : 1 # weight: dimensionless',
      ['param: v : volt', 'param: w : 1'],
    ],
  ];
  it.each(GOLDEN)('%j → %j', (src, rendered) => {
    const { equations, errors } = parseEquations(src);
    expect(errors).toEqual([]);
    expect(equations.map(renderEquation)).toEqual(rendered);
  });

  it('records name, unit and flag offsets in the field', () => {
    const src = 'tau : second\n  dv/dt = -v/tau : volt (unless refractory)';
    const { equations } = parseEquations(src);
    const [p, d] = equations;
    expect([p!.pos, p!.namePos, p!.unitPos]).toEqual([0, 0, 5]);
    expect(d!.pos).toBe(15);
    expect(d!.namePos).toBe(16); // the "v" of "dv/dt"
    expect([d!.expr!.pos, d!.expr!.end]).toEqual([23, 29]);
    expect(src.slice(d!.unit!.pos, d!.unit!.end)).toBe('volt');
    expect(src.slice(d!.flagsPos, d!.flagsPos + 19)).toBe('(unless refractory)');
  });

  const ERRORS: [string, string, number, number][] = [
    ['dv/dt = -v/tau', 'missing ": unit"', 14, 1],
    ['dv/dt = (1 - v/tau : volt', 'unclosed "("', 8, 1],
    ['v : ', 'missing unit after ":"', 3, 1],
    ['v : volt +', 'unexpected end of expression', 10, 1],
    ['dv/dt = -v/ : volt', 'unexpected end of expression', 12, 1],
    ['2v : volt', 'expected "name : unit"', 0, 2],
    ['dv/dx = 1 : volt', 'left-hand side must be "dx/dt" or a name', 0, 5],
    ['a : volt\ndv/dt = (v : volt\nb : 1', 'unclosed "("', 17, 1],
    ['dv/dt = 3v : volt', 'invalid number "3v"', 8, 2],
  ];
  it.each(ERRORS)('%j fails: %s at offset %i, length %i', (src, message, pos, length) => {
    const { errors } = parseEquations(src);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(message);
    expect([errors[0]!.pos, errors[0]!.length]).toEqual([pos, length]);
  });

  it('names the variables of broken lines, so that their uses do not cascade', () => {
    const { equations, errors, broken } = parseEquations(
      'dv/dt = (1 - v/tau : volt\nI = g*(E - v) amp\ntau : second',
    );
    expect(errors).toHaveLength(2);
    expect(broken).toEqual(['v', 'I']);
    expect(equations.map((e) => e.name)).toEqual(['tau']);
  });
});

describe('comments', () => {
  it('are blanked to spaces, keeping every offset', () => {
    const src = 'a = 1 # one\n# two\nb = 2';
    const clean = stripComments(src);
    expect(clean).toHaveLength(src.length);
    expect(clean).toBe('a = 1      \n     \nb = 2');
  });
});

describe('syntax errors as diagnostics', () => {
  const spec = (model: string, extra: Record<string, unknown> = {}) => ({
    version: 1,
    duration: '1*ms',
    constants: { tau: '10*ms' },
    groups: { G: { type: 'neurons', N: 1, model, ...extra } },
  });

  it('carry the field path, 1-based line and column, and length', () => {
    const r = compile(spec('v0 : volt\ndv/dt = (v0 - v)/tau volt'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        code: 'syntax_error',
        path: 'groups.G.model',
        line: 2,
        column: 26,
        length: 1,
        message: expect.stringContaining('missing ": unit"') as unknown,
      }),
    ]);
  });

  it('in a reset and a threshold, all reported at once', () => {
    const r = compile(spec('dv/dt = -v/tau : volt', { threshold: 'v > 10*mV)', reset: 'v = 0*mV\nv += ' }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const found = r.diagnostics.map((d) => [d.path, d.code, d.line, d.column, d.length]);
    expect(found).toEqual(
      expect.arrayContaining([
        ['groups.G.threshold', 'syntax_error', 1, 10, 1],
        ['groups.G.reset', 'syntax_error', 2, 3, 2],
      ]),
    );
    expect(r.diagnostics).toHaveLength(2);
  });
});
