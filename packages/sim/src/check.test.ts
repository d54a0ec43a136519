/**
 * Dimension and name checking, seen as users see it: `compile(spec)` diagnostics with their code,
 * message, field path, 1-based line and column, and length; did-you-mean notes; and the dimension
 * rules of operators and functions (Brian 2's: `exp`/`log`/trigonometry need dimensionless
 * arguments, `sqrt` halves exponents, `abs`/`floor`/`ceil`/`clip` keep them, `**` needs a
 * dimensionless, constant exponent on a quantity, a literal 0 matches any dimension in comparisons
 * and assignments).
 */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from './contract.js';
import { compile } from './compile.js';
import { parseExpression } from './parser.js';
import { typeOf, type Scope } from './check.js';
import { Reporter } from './diagnostics.js';
import { unitScope } from './namespace.js';
import { DIMENSIONLESS, dimName, type Dim } from './units.js';

const CONSTANTS = { tau: '10*ms', El: '-70*mV', R: '100*Mohm', I0: '0.1*nA', sigma: '1*mV', wmax: '0.01' };

type Obj = Record<string, unknown>;

function spec(group: Obj, extra: Obj = {}): Obj {
  return {
    version: 1,
    duration: '1*ms',
    constants: CONSTANTS,
    groups: { G: { type: 'neurons', N: 2, ...group } },
    ...extra,
  };
}

function diagnostics(s: Obj): Diagnostic[] {
  const r = compile(s);
  if (r.ok) throw new Error('expected compile() to fail');
  return r.diagnostics;
}

function compiles(s: Obj): void {
  const r = compile(s);
  expect(r.ok ? [] : r.diagnostics).toEqual([]);
}

/** The one diagnostic of a spec. */
function single(s: Obj): Diagnostic {
  const d = diagnostics(s);
  expect(d).toHaveLength(1);
  return d[0]!;
}

describe('dimension mismatches in equations', () => {
  it('v + 1*ms in a volt equation: "cannot add volt and second" at the operator', () => {
    expect(single(spec({ model: 'dv/dt = (v + 1*ms)/tau : volt' }))).toEqual({
      code: 'dimension_mismatch',
      message: 'cannot add volt and second',
      path: 'groups.G.model',
      line: 1,
      column: 12,
      length: 1,
    });
  });

  it('points at the right line and column of a multi-line model', () => {
    const d = single(
      spec({ model: 'dv/dt = (El - v)/tau : volt\ndge/dt = -ge/tau : siemens\nI = ge*(El - v) + v : amp' }),
    );
    expect(d).toMatchObject({
      code: 'dimension_mismatch',
      message: 'cannot add amp and volt',
      line: 3,
      column: 17,
      length: 1,
    });
  });

  it('subtraction and remainder have their own verbs', () => {
    expect(single(spec({ model: 'dv/dt = (El - 1*nA*R - tau)/tau : volt' })).message).toBe(
      'cannot subtract volt and second',
    );
    expect(single(spec({ model: 'dv/dt = (v % (1*ms))/tau : volt' })).message).toBe(
      'cannot take the remainder of volt and second',
    );
  });

  it('a right-hand side in the wrong dimension names what dv/dt must be', () => {
    const d = single(spec({ model: 'dv/dt = v : volt' }));
    expect(d).toMatchObject({
      code: 'dimension_mismatch',
      message: 'dv/dt must be in volt / second (v is in volt), but the right-hand side is in volt',
      line: 1,
      column: 9,
      length: 1,
    });
  });

  it('a subexpression whose expression does not match its declared unit', () => {
    const d = single(spec({ model: 'dv/dt = (El - v)/tau : volt\nI = v/R : volt' }));
    expect(d).toMatchObject({
      message: '"I" is declared in volt, but its expression is in amp',
      line: 2,
      column: 5,
      length: 3,
    });
  });

  it('reports every mismatch at once, not just the first', () => {
    const d = diagnostics(
      spec({ model: 'dv/dt = (v + 1*ms)/tau : volt\ndw/dt = w*mV/tau : 1\nI = 2*nA + I0*tau : amp' }),
    );
    expect(d.map((x) => [x.line, x.column])).toEqual([
      [1, 12],
      [2, 9],
      [3, 10],
    ]);
  });

  it('a unit that does not exist in the unit part', () => {
    const d = single(spec({ model: 'v : volts' }));
    expect(d).toMatchObject({
      code: 'unknown_identifier',
      message: 'unknown identifier "volts"',
      line: 1,
      column: 5,
      length: 5,
    });
    expect(d.notes?.[0]).toMatch(/did you mean .*"volt"/);
  });

  it('accepts well-formed models with derived units, noise and parameters', () => {
    compiles(
      spec({
        model: [
          'dv/dt = (gL*(El - v) + I)/C + sigma*sqrt(2/tau)*xi : volt (unless refractory)',
          'I = I0*int(t >= 0.5*ms) : amp',
          'gL = 1/R : siemens',
          'C = tau/R : farad',
          'g_na : siemens/meter**2',
          'area : umetre**2',
          'noise : second**-0.5',
          'flag : boolean',
        ].join('\n'),
        threshold: 'v > -50*mV and not flag',
        reset: 'v = El',
        refractory: '2*ms',
        method: 'euler',
      }),
    );
  });
});

describe('names', () => {
  it('an unknown identifier, with a did-you-mean note for a close name', () => {
    const d = single(spec({ model: 'dv/dt = (El - v)/taus : volt' }));
    expect(d).toEqual({
      code: 'unknown_identifier',
      message: 'unknown identifier "taus"',
      path: 'groups.G.model',
      line: 1,
      column: 18,
      length: 4,
      notes: ['did you mean "tau"?'],
    });
  });

  it("suggests the model's own variables and is case-insensitive", () => {
    expect(single(spec({ model: 'dv/dt = (El - v)/tau_m : volt\ntaum : second' })).notes).toEqual([
      'did you mean "taum"?',
    ]);
    expect(single(spec({ model: 'dv/dt = (EL - v)/tau : volt' })).notes).toEqual(['did you mean "El"?']);
  });

  it('gives no note when nothing is close', () => {
    const d = single(spec({ model: 'dv/dt = (El - v)/membrane_time_constant : volt' }));
    expect(d.message).toBe('unknown identifier "membrane_time_constant"');
    expect(d.notes).toBeUndefined();
  });

  it('an unknown function, with a did-you-mean note', () => {
    const d = single(spec({ model: 'dv/dt = exq(-v/El)/tau*mV : volt' }));
    expect(d).toMatchObject({
      code: 'unknown_function',
      message: 'unknown function "exq"',
      column: 9,
      length: 3,
      notes: ['did you mean "exp"?'],
    });
  });

  it("an unknown variable in a reset, suggesting the group's variables", () => {
    const d = single(spec({ model: 'dv/dt = (El - v)/tau : volt', reset: 'vv = El' }));
    expect(d).toMatchObject({
      code: 'unknown_identifier',
      path: 'groups.G.reset',
      message: 'unknown variable "vv"',
      line: 1,
      column: 1,
      length: 2,
    });
    expect(d.notes).toEqual(['did you mean "v"?']);
  });

  it('a post-synaptic variable that does not exist, suggesting the right one', () => {
    const d = single(
      spec(
        { model: 'dv/dt = (El - v)/tau : volt' },
        {
          synapses: {
            S: { source: 'G', target: 'G', model: 'w : volt', on_pre: 'vm_post += w', connect: {} },
          },
        },
      ),
    );
    expect(d).toMatchObject({
      code: 'unknown_identifier',
      path: 'synapses.S.on_pre',
      message: '"vm" is not a variable of the target group "G"',
      column: 1,
      length: 7,
    });
    expect(d.notes).toEqual(['did you mean "v_post"?']);
  });

  it('a constant whose name is a typo of another constant', () => {
    const d = single({ ...spec({ model: 'v : volt' }), constants: { tau: '10*ms', delay_e: '2*taux' } });
    expect(d).toMatchObject({
      code: 'unknown_identifier',
      path: 'constants.delay_e',
      column: 3,
      length: 4,
      notes: ['did you mean "tau"?'],
    });
  });
});

describe('statements, thresholds, refractoriness and initial values', () => {
  const base = { model: 'dv/dt = (El - v)/tau : volt\nw : 1' };
  const CASES: [string, Obj, Partial<Diagnostic>][] = [
    [
      'reset assigns a time to a voltage',
      { reset: 'v = 1*ms' },
      { path: 'groups.G.reset', message: 'cannot assign second to "v" (volt)', column: 5, length: 4 },
    ],
    [
      'reset adds a current to a voltage',
      { reset: 'v = El; v += 1*nA' },
      { message: 'cannot add amp to "v" (volt)', column: 14, length: 4 },
    ],
    [
      'reset subtracts a number from a voltage',
      { reset: 'v -= 2' },
      { message: 'cannot subtract 1 from "v" (volt)' },
    ],
    [
      'reset multiplies by a quantity',
      { reset: 'v *= 2*mV' },
      { message: '"*=" needs a dimensionless factor, got volt', column: 6, length: 4 },
    ],
    [
      'reset assigns a constant',
      { reset: 'tau = 5*ms' },
      { code: 'invalid_reference', message: '"tau" cannot be assigned (it is a constant)' },
    ],
    [
      'threshold compares volt and second',
      { threshold: 'v > 1*ms' },
      { path: 'groups.G.threshold', message: 'cannot compare volt and second', column: 3, length: 1 },
    ],
    [
      'threshold is not a condition',
      { threshold: 'v - El' },
      {
        code: 'type_error',
        message: 'a threshold must be a condition (e.g. "v > -50*mV"), got a value in volt',
      },
    ],
    [
      '"and" between a quantity and a condition',
      { threshold: 'v and v > El' },
      { code: 'type_error', message: '"and" needs conditions, got a quantity in volt', column: 1, length: 1 },
    ],
    [
      'refractory in volts',
      { refractory: '5*mV' },
      {
        path: 'groups.G.refractory',
        message: 'refractory must be a time (e.g. "5*ms") or a condition, got a value in volt',
      },
    ],
    [
      'initial value in the wrong unit',
      { init: { v: '10*ms' } },
      {
        path: 'groups.G.init.v',
        message: '"v" is in volt, but this expression is in second',
        column: 1,
        length: 5,
      },
    ],
    [
      'initial values with the wrong unit',
      { init: { v: { values: [1, 2], unit: 'nA' } } },
      { path: 'groups.G.init.v', message: '"v" is in volt, but the unit "nA" is in amp' },
    ],
    [
      'initial bare number for a voltage',
      { init: { v: 3 } },
      { path: 'groups.G.init.v', message: '"v" is in volt, but the number 3 is in 1' },
    ],
  ];
  it.each(CASES)('%s', (_name, extra, expected) => {
    const d = single(spec({ ...base, ...extra }));
    expect(d).toMatchObject({ code: 'dimension_mismatch', ...expected });
  });

  it('a literal 0 matches every dimension', () => {
    compiles(spec({ ...base, threshold: 'v > 0', reset: 'v = 0', init: { v: 0, w: '0' } }));
  });

  it('spec-level quantities: dt must be a time', () => {
    const d = single({ ...spec({ model: 'v : volt' }), dt: '10' });
    expect(d).toMatchObject({
      code: 'dimension_mismatch',
      path: 'dt',
      message: 'expected a quantity in second, got 1',
    });
    const bare = single({ ...spec({ model: 'v : volt' }), duration: 5 });
    expect(bare).toMatchObject({ code: 'dimension_mismatch', path: 'duration' });
    expect(bare.message).toContain('"5*ms"');
  });

  it('synaptic statements are checked against pre/post variables', () => {
    const d = single(
      spec(
        { model: 'dv/dt = (El - v)/tau : volt' },
        { synapses: { S: { source: 'G', target: 'G', model: 'w : 1', on_pre: 'v_post += w', connect: {} } } },
      ),
    );
    expect(d).toMatchObject({
      code: 'dimension_mismatch',
      path: 'synapses.S.on_pre',
      message: 'cannot add 1 to "v_post" (volt)',
      column: 11,
      length: 1,
    });
  });
});

describe('functions', () => {
  const model = (rhs: string): Obj => spec({ model: `dv/dt = ${rhs} : volt\nx : 1\nn : integer` });
  const ERRORS: [string, string, number, number][] = [
    // [rhs of dv/dt (columns count from the "d" of dv/dt), message, column, length]
    ['exp(v)*mV/tau', 'exp() needs a dimensionless argument, got volt', 13, 1],
    ['log(tau)*mV/tau', 'log() needs a dimensionless argument, got second', 13, 3],
    ['sin(v/tau)*mV/tau', 'sin() needs a dimensionless argument, got volt / second', 13, 5],
    ['exprel(v)*mV/tau', 'exprel() needs a dimensionless argument, got volt', 16, 1],
    ['int(v)*mV/tau', 'int() needs a dimensionless value or a condition, got volt', 13, 1],
    ['clip(v, 0, 1*ms)/tau', 'clip() bounds must have the dimension of its value (volt), got second', 20, 4],
    ['clip(v, El, x)/tau', 'clip() bounds must have the dimension of its value (volt), got 1', 21, 1],
    ['2**v*mV/tau', 'an exponent must be dimensionless, got volt', 12, 1],
    ['v**x/tau', 'the exponent of a quantity in volt must be a constant number', 12, 1],
    ['stim(1)/tau', 'stim() takes a time as its first argument, got 1', 14, 1],
  ];
  it.each(ERRORS)('%s: %s', (rhs, message, column, length) => {
    const s = model(rhs);
    (s as { constants: Obj }).constants = {
      ...CONSTANTS,
      stim: { timed: { values: [0, 1], unit: 'mV', dt: '1*ms' } },
    };
    expect(single(s)).toMatchObject({ code: 'dimension_mismatch', message, line: 1, column, length });
  });

  const ARITY: [string, string][] = [
    ['exp(x, x)*mV/tau', 'exp() takes 1 argument, got 2'],
    ['rand(1)*mV/tau', 'rand() takes 0 arguments, got 1'],
    ['clip(v, El)/tau', 'clip() takes 3 arguments, got 2'],
  ];
  it.each(ARITY)('%s: %s', (rhs, message) => {
    expect(single(model(rhs))).toMatchObject({ code: 'type_error', message, line: 1, column: 9 });
  });

  const OK: string[] = [
    'sqrt(v**2)/tau',
    'sqrt(v*El)/tau',
    '-abs(v)/tau',
    'floor(v/mV)*mV/tau',
    'ceil(v/mV)*mV/tau',
    'sign(v)*mV/tau',
    'clip(v, 0, 10*mV)/tau',
    'clip(v, El, -El)/tau',
    'exp(-v/El)*mV/tau',
    'log10(x + 1)*mV/tau',
    'exprel(v/El)*mV/tau',
    'tanh(v/mV)*mV/tau + arctan(x)*mV/tau + cosh(x)*mV/tau',
    'int(v > El)*mV/tau + int(x)*mV/tau',
    '(v/mV)**2*mV/tau',
    'v**2/El/tau',
    'v**0.5*mV**0.5/tau',
    'mV*second**-0.5*xi',
    'sigma*sqrt(2/tau)*xi_1 + sigma*sqrt(1/tau)*xi_other',
    '(rand() + randn())*mV/tau',
    '(n // 2 + n % 3)*mV/tau',
    '(v // mV)*mV/tau',
    'stim(t)/tau',
  ];
  it.each(OK)('%s is well-dimensioned', (rhs) => {
    const s = model(rhs);
    (s as { groups: { G: Obj } }).groups.G.method = 'euler';
    (s as { constants: Obj }).constants = {
      ...CONSTANTS,
      stim: { timed: { values: [0, 1], unit: 'mV', dt: '1*ms' } },
    };
    compiles(s);
  });

  it('noise xi is in second**-0.5: sigma*xi needs sigma in volt/sqrt(second)', () => {
    compiles(spec({ model: 'dv/dt = (El - v)/tau + sigma*sqrt(2/tau)*xi : volt', method: 'euler' }));
    const d = single(spec({ model: 'dv/dt = (El - v)/tau + sigma*xi : volt', method: 'euler' }));
    expect(d.code).toBe('dimension_mismatch');
    // A readable message names both sides with named units (Brian 2 shows "V/s" and "V s^-0.5").
    expect(d.message).toMatch(/^cannot add volt \/ second and (?!.*kilogram).*volt/);
  });
});

describe('typeOf', () => {
  const scope: Scope = {
    lookup: (n) =>
      n === 'v' ? { kind: 'var', dim: [2, 1, -3, -1, 0, 0, 0], bool: false } : unitScope().lookup(n),
    timed: () => undefined,
    names: () => ['v'],
  };
  const type = (src: string): { dim: Dim; value?: number; bool: boolean } | undefined => {
    const rep = new Reporter();
    const t = typeOf(parseExpression(src), scope, { path: 'x', src }, rep);
    return t;
  };
  const CASES: [string, string, boolean][] = [
    ['v', 'volt', false],
    ['v/ms', 'volt / second', false],
    ['sqrt(v*v)', 'volt', false],
    ['sqrt(ms)', 'second ** 0.5', false],
    ['abs(-v)', 'volt', false],
    ['v > 0', '1', true],
    ['not v > 0', '1', true],
    ['v > 0 and v < mV or v == mV', '1', true],
    ['int(v > 0)', '1', false],
    ['v**2', 'volt * volt', false],
    ['(v**2)**0.5', 'volt', false],
    ['v // mV', '1', false],
    ['1/ms', 'hertz', false],
    ['nA*Mohm', 'volt', false],
    ['pF/nS', 'second', false],
  ];
  it.each(CASES)('%s is in %s', (src, name, bool) => {
    const t = type(src);
    expect(t).toBeDefined();
    expect(dimName(t!.dim).replace('volt ** 2', 'volt * volt')).toBe(name);
    expect(t!.bool).toBe(bool);
  });

  it('folds constant values (units and numbers)', () => {
    expect(type('(60*0.27/10)*mV')!.value).toBeCloseTo(0.00162, 15);
    expect(type('2**-1')!.value).toBe(0.5);
    expect(type('-7 % 3')!.value).toBe(2); // Python's sign rule
    expect(type('-7 // 2')!.value).toBe(-4);
    expect(type('int(-2.5)')!.value).toBe(-2);
    expect(type('v')!.value).toBeUndefined();
    expect(type('1')!.dim).toEqual(DIMENSIONLESS);
  });
});
