/**
 * Malformed specs: `compile` must return `{ok: false, diagnostics}` — never
 * throw — with a diagnostic at the right JSON path (dotted: `groups.G.model`,
 * `synapses.S.connect.condition`) and, for string fields, the 1-based line and
 * column of the offending text inside the field and a message naming it.
 *
 * Positions are exact where the offending text is one token (an unknown name:
 * its first character and its length; an unexpected token: that token). Where
 * reasonable implementations may point at either the whole expression or the
 * offending operand (a dimension mismatch, an unclosed parenthesis), the test
 * accepts a column range spanning those choices. Every other spec in this file
 * is the valid `base()` with one change, and `base()` itself must compile.
 */
import { describe, expect, it } from 'vitest';
import { compile, type Diagnostic } from '@volley/sim';

// Specs are mutated freely below; a precise type would only add casts.

type Json = Record<string, any>;

function base(): Json {
  return {
    version: 1,
    dt: '0.1*ms',
    duration: '10*ms',
    seed: 1,
    constants: { tau: '10*ms', El: '-70*mV', Vt: '-50*mV' },
    groups: {
      G: {
        type: 'neurons',
        N: 3,
        model: 'dv/dt = (El - v + I)/tau : volt\nI : volt',
        threshold: 'v > Vt',
        reset: 'v = El',
        refractory: '2*ms',
        method: 'exact',
        init: { v: '-60*mV', I: '25*mV' },
      },
      P: { type: 'poisson', N: 5, rates: '10*Hz' },
    },
    synapses: {
      S: {
        source: 'P',
        target: 'G',
        model: 'w : volt',
        on_pre: 'v_post += w',
        on_post: 'w = clip(w + 0.1*mV, 0*mV, 1*mV)',
        connect: { condition: 'i != j', p: 0.5 },
        init: { w: '1*mV' },
      },
    },
    monitors: {
      spk: { type: 'spikes', source: 'G' },
      vm: { type: 'state', source: 'G', variables: ['v'], record: [0] },
    },
  };
}

function withChange(change: (s: Json) => void): Json {
  const s = base();
  change(s);
  return s;
}

/** 1-based line and column of the `nth` occurrence of `needle` in `src`. */
function at(src: string, needle: string, nth = 1): { line: number; column: number } {
  let pos = -1;
  for (let k = 0; k < nth; k++) {
    pos = src.indexOf(needle, pos + 1);
    if (pos < 0) throw new Error(`test bug: "${needle}" not in ${JSON.stringify(src)}`);
  }
  const before = src.slice(0, pos);
  const line = before.split('\n').length;
  return { line, column: pos - before.lastIndexOf('\n') };
}

interface Expect {
  path: string | string[];
  /** For string fields. A column range [lo, hi] accepts any column in it. */
  line?: number;
  column?: number | [number, number];
  length?: number;
  message?: RegExp;
  notes?: RegExp;
}

interface Case {
  title: string;
  spec: unknown;
  expect: Expect;
}

/** The diagnostic the case is about: the first one at one of the expected paths. */
function findDiagnostic(diagnostics: Diagnostic[], e: Expect): Diagnostic | undefined {
  const paths = Array.isArray(e.path) ? e.path : [e.path];
  return diagnostics.find((d) => paths.includes(d.path));
}

function check(spec: unknown, e: Expect): void {
  let result: ReturnType<typeof compile>;
  try {
    result = compile(spec);
  } catch (err) {
    expect.fail(`compile threw instead of returning diagnostics: ${String(err)}`);
  }
  expect(result.ok).toBe(false);
  if (result.ok) return;
  const d = findDiagnostic(result.diagnostics, e);
  const all = JSON.stringify(result.diagnostics, null, 1);
  expect(d, `no diagnostic at ${String(e.path)}; got ${all}`).toBeDefined();
  if (d === undefined) return;
  expect(typeof d.code).toBe('string');
  expect(d.code.length).toBeGreaterThan(0);
  if (e.line !== undefined) expect(d.line, all).toBe(e.line);
  if (typeof e.column === 'number') expect(d.column, all).toBe(e.column);
  if (Array.isArray(e.column)) {
    expect(d.column, all).toBeGreaterThanOrEqual(e.column[0]);
    expect(d.column, all).toBeLessThanOrEqual(e.column[1]);
  }
  if (e.length !== undefined) expect(d.length, all).toBe(e.length);
  if (e.message) expect(d.message).toMatch(e.message);
  if (e.notes) expect((d.notes ?? []).join('\n')).toMatch(e.notes);
}

const DIM = /dimension|unit|volt|second|amp|hertz/i;

const model = (m: string) => withChange((s) => (s.groups.G.model = m));

const CASES: Case[] = [];
const add = (title: string, spec: unknown, e: Expect) => CASES.push({ title, spec, expect: e });

// --- unknown names -------------------------------------------------------------------------
{
  const m = 'dv/dt = (El - v + I)/taux : volt\nI : volt';
  add('unknown identifier in the model, with "did you mean"', model(m), {
    path: 'groups.G.model',
    ...at(m, 'taux'),
    length: 4,
    message: /taux/,
    notes: /did you mean.*\btau\b/i,
  });
}
{
  const m = 'dv/dt = (El - v + I)/tau : volt\n# the input\nI = 2*mV*expo(0) : volt';
  add('unknown function on line 3, after a comment line', model(m), {
    path: 'groups.G.model',
    ...at(m, 'expo'),
    message: /expo/,
    notes: /\bexp\b/,
  });
}
add(
  'unknown identifier in the threshold',
  withChange((s) => (s.groups.G.threshold = 'v > Vtt')),
  {
    path: 'groups.G.threshold',
    line: 1,
    column: 5,
    length: 3,
    message: /Vtt/,
    notes: /\bVt\b/,
  },
);
add(
  'unknown identifier in an init expression',
  withChange((s) => (s.groups.G.init.I = '2*mV + Ell')),
  {
    path: 'groups.G.init.I',
    line: 1,
    column: 8,
    length: 3,
    message: /Ell/,
    notes: /\bEl\b/,
  },
);
add(
  'init of a variable the group does not have',
  withChange((s) => (s.groups.G.init.vv = '0*mV')),
  {
    path: 'groups.G.init.vv',
    message: /vv/,
    notes: /\bv\b/,
  },
);
add(
  'unknown _post variable in on_pre',
  withChange((s) => (s.synapses.S.on_pre = 'vv_post += w')),
  {
    path: 'synapses.S.on_pre',
    line: 1,
    column: 1,
    length: 7,
    message: /vv/,
    notes: /\bv(_post)?\b/,
  },
);
add(
  'unknown _post variable inside an on_pre expression',
  withChange((s) => (s.synapses.S.on_pre = 'v_post += w + u_post')),
  {
    path: 'synapses.S.on_pre',
    line: 1,
    column: 15,
    length: 6,
    message: /u_post/,
  },
);
add(
  'unknown synaptic variable assigned in on_post, with "did you mean"',
  withChange((s) => (s.synapses.S.on_post = 'ww = 0*mV')),
  {
    path: 'synapses.S.on_post',
    line: 1,
    column: 1,
    length: 2,
    message: /ww/,
    notes: /\bw\b/,
  },
);
add(
  'unknown synapse init variable',
  withChange((s) => (s.synapses.S.init = { wt: '1*mV' })),
  {
    path: 'synapses.S.init.wt',
    message: /wt/,
    notes: /\bw\b/,
  },
);
add(
  'unknown identifier in a connect condition',
  withChange((s) => (s.synapses.S.connect = { condition: 'i != k' })),
  {
    path: 'synapses.S.connect.condition',
    line: 1,
    column: 6,
    length: 1,
    message: /\bk\b/,
  },
);
add(
  'synapse target group that does not exist',
  withChange((s) => (s.synapses.S.target = 'H')),
  {
    path: 'synapses.S.target',
    message: /\bH\b/,
  },
);
add(
  'state monitor of a variable the group does not have',
  withChange((s) => (s.monitors.vm.variables = ['vv'])),
  {
    path: ['monitors.vm.variables.0', 'monitors.vm.variables'],
    message: /vv/,
  },
);

// --- units -----------------------------------------------------------------------------------
{
  const m = 'dv/dt = (El - v + 1*ms)/tau : volt';
  const start = at(m, '(El').column;
  add('unit mismatch inside a model equation (volt + second)', model(m), {
    path: 'groups.G.model',
    line: 1,
    column: [start, at(m, '1*ms').column],
    message: DIM,
  });
}
{
  const m = 'dv/dt = (El - v + I)/tau : volt\nI : volt\ndu/dt = -u/tau : amp\nx = v*2 : amp';
  add('subexpression declared in amp but its expression is in volt (line 4)', model(m), {
    path: 'groups.G.model',
    line: 4,
    column: [1, at(m, 'v*2').column],
    message: DIM,
  });
}
add(
  'unit mismatch in the reset',
  withChange((s) => (s.groups.G.reset = 'v = 5*ms')),
  {
    path: 'groups.G.reset',
    line: 1,
    column: [1, 5],
    message: DIM,
  },
);
add(
  'unit mismatch in the threshold (volt > amp)',
  withChange((s) => (s.groups.G.threshold = 'v > 1*nA')),
  {
    path: 'groups.G.threshold',
    line: 1,
    column: [1, 5],
    message: DIM,
  },
);
add(
  'unit mismatch in an init expression',
  withChange((s) => (s.groups.G.init.v = '5*ms')),
  {
    path: 'groups.G.init.v',
    line: 1,
    column: [1, 3],
    message: DIM,
  },
);
add(
  'dimensionless number for a volt variable in init',
  withChange((s) => (s.groups.G.init.v = -60)),
  {
    path: ['groups.G.init.v'],
    message: DIM,
  },
);
add(
  'unit mismatch in on_pre (adding amp to volt)',
  withChange((s) => (s.synapses.S.on_pre = 'v_post += 1*nA')),
  {
    path: 'synapses.S.on_pre',
    line: 1,
    column: [1, 11],
    message: DIM,
  },
);
add(
  'refractory in volt',
  withChange((s) => (s.groups.G.refractory = '2*mV')),
  {
    path: 'groups.G.refractory',
    message: DIM,
  },
);
add(
  'Poisson rates in seconds',
  withChange((s) => (s.groups.P.rates = '10*ms')),
  {
    path: 'groups.P.rates',
    message: DIM,
  },
);
add(
  'dt in volt',
  withChange((s) => (s.dt = '0.1*mV')),
  { path: 'dt', message: DIM },
);

// --- methods, sizes, names ---------------------------------------------------------------
add(
  'unknown integration method, with "did you mean"',
  withChange((s) => (s.groups.G.method = 'eular')),
  {
    path: 'groups.G.method',
    message: /method/i,
    notes: /\beuler\b/,
  },
);
add('exact on a nonlinear equation', model('dv/dt = (El - v + I)/tau + v**2/(tau*mV) : volt\nI : volt'), {
  path: ['groups.G.method', 'groups.G.model'],
  message: /exact|linear/i,
});
add(
  'negative N',
  withChange((s) => (s.groups.G.N = -3)),
  { path: 'groups.G.N' },
);
add(
  'non-integer N',
  withChange((s) => (s.groups.P.N = 2.5)),
  { path: 'groups.P.N' },
);
add(
  'a monitor named like a group',
  withChange((s) => (s.monitors.G = { type: 'spikes', source: 'P' })),
  {
    path: ['monitors.G', 'groups.G'],
    message: /\bG\b/,
  },
);
add(
  'synapses named like a group',
  withChange((s) => {
    s.synapses.P = { ...s.synapses.S };
  }),
  {
    path: ['synapses.P', 'groups.P'],
    message: /\bP\b/,
  },
);
add(
  'unknown flag on a model equation',
  model('dv/dt = (El - v + I)/tau : volt (unless refractry)\nI : volt'),
  {
    path: 'groups.G.model',
    line: 1,
    message: /refractry/,
  },
);

// --- syntax errors in every string field ---------------------------------------------------
{
  const m = 'dv/dt = (El - v + I)/tau : volt\nI = 2*mV * * 3 : volt';
  add('syntax error in the model (line 2: two operators)', model(m), {
    path: 'groups.G.model',
    line: 2,
    column: at(m, '*', 3).column,
    message: /\*|unexpected|expected/i,
  });
}
{
  const m = 'dv/dt = (El - v + I/tau : volt\nI : volt';
  add('syntax error in the model: unclosed parenthesis', model(m), {
    path: 'groups.G.model',
    line: 1,
    column: [at(m, '(El').column, at(m, ':').column],
    message: /\)|paren|expected/i,
  });
}
add(
  'syntax error in the threshold',
  withChange((s) => (s.groups.G.threshold = 'v > > Vt')),
  {
    path: 'groups.G.threshold',
    line: 1,
    column: 5,
    message: />|unexpected|expected/i,
  },
);
add(
  'syntax error in the reset',
  withChange((s) => (s.groups.G.reset = 'v = El\nv = = El')),
  {
    path: 'groups.G.reset',
    line: 2,
    column: 5,
    message: /=|unexpected|expected/i,
  },
);
add(
  'syntax error in the refractory period',
  withChange((s) => (s.groups.G.refractory = '2*ms +')),
  {
    path: 'groups.G.refractory',
    line: 1,
    column: [6, 7],
  },
);
add(
  'syntax error in on_pre',
  withChange((s) => (s.synapses.S.on_pre = 'v_post += w)')),
  {
    path: 'synapses.S.on_pre',
    line: 1,
    column: 12,
    message: /\)|unexpected|expected/i,
  },
);
add(
  'syntax error in on_post',
  withChange((s) => (s.synapses.S.on_post = 'w = w 2')),
  {
    path: 'synapses.S.on_post',
    line: 1,
    column: 7,
  },
);
add(
  'syntax error in a neuron init expression',
  withChange((s) => (s.groups.G.init.v = '(-60*mV))')),
  {
    path: 'groups.G.init.v',
    line: 1,
    column: 9,
  },
);
add(
  'syntax error in a synapse init expression',
  withChange((s) => (s.synapses.S.init.w = '1*mV +* 2')),
  {
    path: 'synapses.S.init.w',
    line: 1,
    column: 7,
  },
);
add(
  'syntax error in a connect condition',
  withChange((s) => (s.synapses.S.connect = { condition: 'i != != j' })),
  {
    path: 'synapses.S.connect.condition',
    line: 1,
    column: 6,
  },
);
add(
  'syntax error in Poisson rates',
  withChange((s) => (s.groups.P.rates = '10*Hz)')),
  {
    path: 'groups.P.rates',
    line: 1,
    column: 6,
  },
);
add(
  'syntax error in dt',
  withChange((s) => (s.dt = '0.1*ms)')),
  { path: 'dt', line: 1, column: 7 },
);
add(
  'syntax error in duration: a missing operator',
  withChange((s) => (s.duration = '10 ms')),
  {
    path: 'duration',
    line: 1,
    column: 4,
  },
);
add(
  'syntax error in a constant',
  withChange((s) => (s.constants.tau = '10*ms*')),
  {
    path: 'constants.tau',
    line: 1,
    column: [6, 7],
  },
);

// --- not a spec at all ---------------------------------------------------------------------
describe('compile: malformed specs give diagnostics, never exceptions', () => {
  it('the base spec of these cases compiles', () => {
    const r = compile(base());
    expect(r.ok ? [] : r.diagnostics).toEqual([]);
  });

  it(`has at least 25 malformed specs (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
  });

  it.each(CASES)('$title', ({ spec, expect: e }) => check(spec, e));

  it.each([
    ['null', null],
    ['a number', 42],
    ['an array', [base()]],
    ['unparseable JSON text passed as a string', '{"version": 1, "groups": {'],
    ['an empty object', {}],
  ])('a non-spec (%s) gives a diagnostic', (_label, input) => {
    if (typeof input === 'string') expect(() => JSON.parse(input) as unknown).toThrow();
    let result: ReturnType<typeof compile> | undefined;
    expect(() => (result = compile(input))).not.toThrow();
    expect(result?.ok).toBe(false);
    if (result && !result.ok) {
      expect(result.diagnostics.length).toBeGreaterThan(0);
      for (const d of result.diagnostics) {
        expect(typeof d.path).toBe('string');
        expect(d.message.length).toBeGreaterThan(0);
      }
    }
  });

  it('reports the problems of independent fields and groups at once', () => {
    const spec = withChange((s) => {
      s.groups.G.threshold = 'v > Vtt';
      s.groups.G.reset = 'v = 5*ms';
      s.groups.P.rates = '10*Hzz';
    });
    const r = compile(spec);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      const paths = r.diagnostics.map((d) => d.path);
      expect(paths).toContain('groups.G.threshold');
      expect(paths).toContain('groups.G.reset');
      expect(paths).toContain('groups.P.rates');
    }
  });
});
