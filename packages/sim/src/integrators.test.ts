/**
 * Integrators against analytic solutions (the cases and expected errors are in
 * integrator-cases.ts), Brian 2's automatic method choice (`method=('exact', 'euler', 'heun')`:
 * exact when linear, else euler, heun for multiplicative noise), and the errors for methods that
 * cannot apply. Semantics checked against Brian 2.5.1 where noted.
 */
import { describe, expect, it } from 'vitest';
import { compile, type Program } from './compile.js';
import type { Diagnostic, MonitorResult } from './contract.js';
import { run } from './run.js';
import {
  EXACT_TOL,
  INTEGRATOR_CASES,
  type Expectation,
  type IntegratorCase,
  type Method,
} from './integrator-cases.js';

type Obj = Record<string, unknown>;
type State = Extract<MonitorResult, { type: 'state' }>;

function caseSpec(c: IntegratorCase, method: Method | undefined, dt: number): Obj {
  return {
    version: 1,
    dt: `${dt}*second`,
    duration: `${c.duration}*second`,
    seed: 1,
    constants: c.constants,
    groups: { G: { type: 'neurons', N: c.N, model: c.model, init: c.init, ...(method ? { method } : {}) } },
    monitors: { M: { type: 'state', source: 'G', variables: c.variables } },
  };
}

function program(spec: Obj): Program {
  const r = compile(spec);
  if (!r.ok) throw new Error(`compile failed: ${JSON.stringify(r.diagnostics)}`);
  return r.program;
}

function diagnosticsOf(spec: Obj): Diagnostic[] {
  const r = compile(spec);
  return r.ok ? [] : r.diagnostics;
}

/** The method the compiled group uses. */
function methodOf(p: Program, group = 'G'): string | undefined {
  return p.build().groups.find((g) => g.name === group)?.method;
}

function stateOf(p: Program): State {
  const m = run(p).monitors.M;
  if (m?.type !== 'state') throw new Error('no state monitor');
  return m;
}

/** Largest error over every variable, neuron and sample, relative to each variable's scale. */
function relativeError(c: IntegratorCase, s: State): number {
  let worst = 0;
  for (const name of c.variables) {
    const rows = s.values[name]!;
    let scale = 0;
    rows.forEach((_, i) => s.t.forEach((t) => (scale = Math.max(scale, Math.abs(c.solution(name, t, i))))));
    rows.forEach((row, i) => {
      expect(row).toHaveLength(s.t.length);
      row.forEach((x, k) => (worst = Math.max(worst, Math.abs(x - c.solution(name, s.t[k]!, i)) / scale)));
    });
  }
  return worst;
}

describe.each(INTEGRATOR_CASES)('$name', (c) => {
  const cases = Object.entries(c.methods) as [Method, Expectation][];

  it.each(cases)('%s: error within its expected size and order', (method, ex) => {
    const dt = ex.dt ?? c.dt;
    const p = program(caseSpec(c, method, dt));
    expect(methodOf(p)).toBe(method);
    const s = stateOf(p);
    expect(s.t).toHaveLength(Math.round(c.duration / dt));
    s.t.forEach((t, k) => expect(t).toBe(k * dt));
    const err = relativeError(c, s);
    expect(
      err,
      `${method}: relative error ${err.toExponential(2)} > ${ex.tol.toExponential(2)}`,
    ).toBeLessThanOrEqual(ex.tol);
    if (ex.order === undefined) return;
    // Not suspiciously small either: a first-order method must not be secretly exact.
    expect(err).toBeGreaterThan(ex.tol / 20);
    const half = relativeError(c, stateOf(program(caseSpec(c, method, dt / 2))));
    const order = Math.log2(err / half);
    expect(
      Math.abs(order - ex.order),
      `${method}: observed order ${order.toFixed(2)}, expected ${ex.order}`,
    ).toBeLessThan(0.35);
  });

  it('without a method: exact (linear equations), to rounding', () => {
    const p = program(caseSpec(c, undefined, c.dt));
    expect(methodOf(p)).toBe('exact');
    expect(relativeError(c, stateOf(p))).toBeLessThanOrEqual(EXACT_TOL);
  });
});

const neuron = (model: string, extra: Obj = {}, top: Obj = {}): Obj => ({
  version: 1,
  duration: '5*ms',
  seed: 3,
  constants: { tau: '10*ms', sigma: '0.5' },
  groups: { G: { type: 'neurons', N: 3, model, init: { v: '0.5 + 0.1*i' }, ...extra } },
  monitors: { M: { type: 'state', source: 'G', variables: ['v'] } },
  ...top,
});

describe('default method (Brian 2: exact, then euler, then heun)', () => {
  const CHOICES: [string, string, Obj, string][] = [
    ['linear', 'dv/dt = (1 - v)/tau : 1', {}, 'exact'],
    [
      'linear, frozen while refractory',
      'dv/dt = (1 - v)/tau : 1 (unless refractory)',
      { threshold: 'v > 0.9', reset: 'v = 0', refractory: '1*ms' },
      'exact',
    ],
    ['linear with a timed-array input (constant over a step)', 'dv/dt = (stim(t) - v)/tau : 1', {}, 'exact'],
    [
      'linear with a per-neuron parameter coefficient',
      'dv/dt = -v/tau_n : 1\ntau_n : second',
      { init: { v: '1', tau_n: '(1 + i)*ms' } },
      'exact',
    ],
    ['nonlinear (cubic)', 'dv/dt = -v**3/tau : 1', {}, 'euler'],
    [
      'nonlinear (product of state variables)',
      'dv/dt = -v*w/tau : 1\ndw/dt = -w/tau : 1',
      { init: { v: '1', w: '1' } },
      'euler',
    ],
    ['nonlinear (exponential)', 'dv/dt = (exp(v) - 1 - v)/tau : 1', {}, 'euler'],
    ['additive noise', 'dv/dt = -v/tau + sigma*sqrt(2/tau)*xi : 1', {}, 'euler'],
    ['multiplicative noise', 'dv/dt = -v/tau + sigma*v*sqrt(2/tau)*xi : 1', {}, 'heun'],
    // Brian 2.5.1: exact refuses explicit time dependence ("Expression 'sin(2*pi*t/ms)/(10*ms)'
    // is not guaranteed to be constant over a time step"), so the default falls back to euler.
    ['explicitly time-dependent input sin(2*pi*t/ms)', 'dv/dt = (sin(2*pi*t/ms) - v)/tau : 1', {}, 'euler'],
    [
      'a step input through a subexpression I = int(t >= 2*ms)',
      'dv/dt = (I - v)/tau : 1\nI = int(t >= 2*ms) : 1',
      {},
      'euler',
    ],
    // … unless the subexpression is declared "(constant over dt)" (Brian 2.5.1 then uses exact).
    [
      'a step input through a "(constant over dt)" subexpression',
      'dv/dt = (I - v)/tau : 1\nI = int(t >= 2*ms) : 1 (constant over dt)',
      {},
      'exact',
    ],
  ];
  it.each(CHOICES)('%s → %s', (_label, model, extra, expected) => {
    const spec = neuron(model, extra);
    (spec.constants as Obj).pi = Math.PI;
    (spec.constants as Obj).stim = { timed: { values: [0, 1, 0.5], unit: '1', dt: '1*ms' } };
    expect(methodOf(program(spec))).toBe(expected);
  });

  it('a nonlinear model without a method gives exactly the explicit euler trace', () => {
    const model = 'dv/dt = (v - v**3/3 - w)/tau : 1\ndw/dt = (v + 0.7 - 0.8*w)/(12.5*tau) : 1';
    const auto = stateOf(program(neuron(model, { init: { v: '-1 + i', w: '0.1*i' } })));
    const euler = stateOf(program(neuron(model, { method: 'euler', init: { v: '-1 + i', w: '0.1*i' } })));
    expect(auto.values.v).toEqual(euler.values.v);
    expect(auto.values.v![2]![10]).not.toBe(auto.values.v![2]![0]);
  });

  it('heun on a deterministic equation is euler (Brian 2: identical values)', () => {
    const model = 'dv/dt = -v**3/tau : 1';
    const heun = stateOf(program(neuron(model, { method: 'heun' })));
    const euler = stateOf(program(neuron(model, { method: 'euler' })));
    expect(heun.values.v).toEqual(euler.values.v);
  });

  // Brian 2.5.1 integrates `dv/dt = -g*v/C` exactly even when synapses (or a reset) change g:
  // its update is `v = v*exp(-dt*g/C)` with g read at every step.
  const conductance = (method?: Method): Obj => ({
    version: 1,
    duration: '3*ms',
    seed: 1,
    constants: { C: '1*nF' },
    groups: {
      G: {
        type: 'neurons',
        N: 1,
        model: 'dv/dt = -g*v/C : volt\ng : siemens',
        init: { v: '1*mV', g: '100*nS' },
        ...(method ? { method } : {}),
      },
      In: { type: 'spikes', N: 1, indices: [0], times: { values: [1], unit: 'ms' } },
    },
    synapses: { S: { source: 'In', target: 'G', on_pre: 'g_post += 100*nS', connect: { i: 0, j: 0 } } },
    monitors: { M: { type: 'state', source: 'G', variables: ['v'] } },
  });
  const conductanceTrace = (s: State): void => {
    // Input at step 10 is delivered in the synapses slot, after step 10's update: g = 200 nS from
    // step 11 on. v_k = 1 mV · Π exp(-dt·g_j/C).
    const dt = 1e-4;
    s.values.v![0]!.forEach((x, k) => {
      const expected = 1e-3 * Math.exp(-dt * 100 * Math.min(k, 11) - dt * 200 * Math.max(0, k - 11));
      expect(Math.abs(x - expected)).toBeLessThanOrEqual(1e-12 * 1e-3);
    });
  };
  it('a linear equation whose coefficient is a parameter written by synapses → exact (Brian 2)', () => {
    const p = program(conductance());
    expect(methodOf(p)).toBe('exact');
    conductanceTrace(stateOf(p));
  });
  it('method "exact" accepts a coefficient written by synapses and reads it every step (Brian 2)', () => {
    expect(diagnosticsOf(conductance('exact'))).toEqual([]);
    conductanceTrace(stateOf(program(conductance('exact'))));
  });
});

describe('methods that cannot apply are clear errors', () => {
  const ERRORS: [string, string, Method, RegExp][] = [
    ['exact on a nonlinear equation', 'dv/dt = -v**3/tau : 1', 'exact', /"exact" needs linear equations.*v/],
    [
      'exact on a product of state variables',
      'dv/dt = -v*w/tau : 1\ndw/dt = -w/tau : 1',
      'exact',
      /"exact" needs linear equations/,
    ],
    [
      'exact on a stochastic equation',
      'dv/dt = -v/tau + sigma*sqrt(2/tau)*xi : 1',
      'exact',
      /"exact" cannot integrate stochastic equations/,
    ],
    [
      'exponential_euler on a stochastic equation',
      'dv/dt = -v/tau + sigma*sqrt(2/tau)*xi : 1',
      'exponential_euler',
      /"exponential_euler" cannot integrate stochastic equations/,
    ],
    [
      'exponential_euler on an equation nonlinear in its own variable',
      'dv/dt = -v**2/tau : 1',
      'exponential_euler',
      /"exponential_euler".*not linear in v/,
    ],
    [
      'euler with multiplicative noise',
      'dv/dt = -v/tau + sigma*v*sqrt(2/tau)*xi : 1',
      'euler',
      /"euler" only integrates additive noise.*"heun"/,
    ],
    [
      'rk4 on a stochastic equation',
      'dv/dt = -v/tau + sigma*sqrt(2/tau)*xi : 1',
      'rk4',
      /"rk4" cannot integrate stochastic equations/,
    ],
    [
      'rk2 on a stochastic equation',
      'dv/dt = -v/tau + sigma*sqrt(2/tau)*xi : 1',
      'rk2',
      /"rk2" cannot integrate stochastic equations/,
    ],
    // Brian 2.5.1 raises UnsupportedEquationsException for exact with an explicit t.
    ['exact with explicit time dependence', 'dv/dt = (sin(2*pi*t/ms) - v)/tau : 1', 'exact', /"exact"/],
  ];
  it.each(ERRORS)('%s', (_label, model, method, message) => {
    const spec = neuron(model, { method });
    (spec.constants as Obj).pi = Math.PI;
    const d = diagnosticsOf(spec);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ code: 'invalid_method', path: 'groups.G.method' });
    expect(d[0]!.message).toMatch(message);
  });

  it('an impossible default (noise entering nonlinearly) is reported on the model', () => {
    const d = diagnosticsOf(neuron('dv/dt = -v/tau + sigma*xi**2 : 1'));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ code: 'invalid_method', path: 'groups.G.model' });
    expect(d[0]!.message).toContain('xi');
  });

  it('exponential_euler accepts conditionally linear equations (linear in their own variable)', () => {
    const p = program(
      neuron('dv/dt = -v*w/tau : 1\ndw/dt = (1 - w)/tau : 1', {
        method: 'exponential_euler',
        init: { v: '1', w: '0.5' },
      }),
    );
    expect(methodOf(p)).toBe('exponential_euler');
    const v = stateOf(p).values.v![0]!;
    // w(0) = 0.5, frozen over the first step: v(dt) = exp(-0.5·dt/tau) exactly.
    expect(v[1]).toBeCloseTo(Math.exp(-0.5 * 0.01), 14);
  });
});
