/**
 * The WebAssembly neuron kernel computes what the JavaScript kernel computes, bit for bit: every
 * network here runs twice (`wasmKernels` on and off) and the results must be identical, spikes and
 * recorded values alike. The kernel is used where it applies (exact linear and noise-free Euler
 * updates, arithmetic thresholds) and only there.
 */
import { describe, expect, it } from 'vitest';
import { compile, run } from './index.js';

type Group = Record<string, unknown>;

function network(
  group: Group,
  extra: { N?: number; duration?: string; constants?: Record<string, string> } = {},
) {
  const N = extra.N ?? 101;
  return {
    version: 1,
    duration: extra.duration ?? '150*ms',
    seed: 3,
    constants: {
      taum: '20*ms',
      taue: '5*ms',
      taui: '10*ms',
      Vt: '-50*mV',
      Vr: '-60*mV',
      El: '-49*mV',
      ...extra.constants,
    },
    groups: {
      P: { type: 'neurons', N, ...group },
      inp: { type: 'poisson', N: 20, rates: '200*Hz' },
    },
    synapses: {
      S: { source: 'inp', target: 'P', model: '', on_pre: 'v_post += 0.8*mV', connect: { p: 0.3 } },
      R: { source: 'P', target: 'P', model: '', on_pre: 'v_post -= 0.2*mV', connect: { p: 0.05 } },
    },
    monitors: {
      spk: { type: 'spikes', source: 'P' },
      st: {
        type: 'state',
        source: 'P',
        variables: ['v', 'lastspike', 'not_refractory'],
        record: [...new Set([0, 1, N - 1])].filter((x) => x < N),
      },
    },
  };
}

const cuba = {
  model:
    'dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)\ndge/dt = -ge/taue : volt\ndgi/dt = -gi/taui : volt',
  threshold: 'v > Vt',
  reset: 'v = Vr',
  refractory: '5*ms',
  method: 'exact',
  init: { v: 'Vr + rand()*(Vt - Vr)', ge: 'rand()*mV' },
};

function both(spec: unknown) {
  const results = [true, false].map((wasmKernels) => {
    const c = compile(spec, { wasmKernels });
    if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
    const kernel = c.program.build().groups.find((g) => g.name === 'P')!.kernel;
    const r = run(c.program);
    return { kernel, monitors: r.monitors };
  });
  return { wasm: results[0]!, js: results[1]! };
}

function spikeCount(m: unknown): number {
  return (m as { spk: { i: number[] } }).spk.i.length;
}

describe('WebAssembly neuron kernel', () => {
  const cases: [string, Group, Parameters<typeof network>[1]?][] = [
    ['CUBA, refractory, odd N', cuba],
    ['CUBA, even N', cuba, { N: 64 }],
    ['CUBA, N = 4k + 2', cuba, { N: 102 }],
    ['CUBA, N = 4k + 3', cuba, { N: 103 }],
    ['one neuron', cuba, { N: 1 }],
    [
      'no refractoriness, per-neuron threshold parameter',
      {
        model: 'dv/dt = (El - v)/taum : volt\nvt : volt',
        threshold: 'v > vt',
        reset: 'v = Vr',
        init: { v: 'Vr', vt: 'Vt + rand()*2*mV' },
      },
    ],
    [
      'threshold with i, t, shared and boolean parameters',
      {
        model: 'dv/dt = (El - v)/taum : volt (unless refractory)\noffset : volt (shared)\nallowed : boolean',
        threshold: '(v > Vt + offset + i*0.001*mV and t > 3*ms and allowed) or v > -40*mV',
        reset: 'v = Vr',
        refractory: '2*ms',
        init: { v: 'Vr + rand()*10*mV', offset: '0.5*mV', allowed: 'i % 3 != 0' },
      },
    ],
    [
      'threshold with powers, abs, clip, int and floor',
      {
        model: 'dv/dt = (El - v)/taum : volt (unless refractory)\ndx/dt = -x/taue : 1',
        threshold:
          'abs(v - Vr) > 9.5*mV and clip(x, 0, 0.5)**2 < 0.3 and int(x*3) >= 0 and floor(x) <= 1 and -x**3 < 1 and not (v < -70*mV)',
        reset: 'v = Vr\nx += 0.3',
        refractory: '1*ms',
        init: { v: 'Vr + rand()*10*mV' },
      },
    ],
    [
      'COBA: Euler, clamped while refractory',
      {
        model:
          'dv/dt = (ge*(Ee-v) + gi*(Ei-v) - (v-El))/taum : volt (unless refractory)\ndge/dt = -ge/taue : 1\ndgi/dt = -gi/taui : 1',
        threshold: 'v > Vt',
        reset: 'v = Vr',
        refractory: '5*ms',
        init: { v: 'Vr + rand()*(Vt - Vr)', ge: 'rand()*0.5', gi: 'rand()*0.5' },
      },
      { constants: { Ee: '0*mV', Ei: '-80*mV' } },
    ],
    [
      'Izhikevich: Euler, squares and per-neuron parameters',
      {
        model:
          'dv/dt = (0.04*v**2/mV + 5*v + 140*mV - u + I)/ms : volt\ndu/dt = a*(b*v - u)/ms : volt\na : 1\nb : 1\nI : volt',
        threshold: 'v >= 30*mV',
        reset: 'v = -65*mV\nu += 8*mV',
        method: 'euler',
        init: { v: '-65*mV', u: '-13*mV', a: '0.02 + 0.01*rand()', b: '0.2', I: 'rand()*10*mV' },
      },
    ],
    [
      'Euler reading t, without refractoriness',
      {
        model: 'dv/dt = (El - v)/taum + (t/second)*100*mV/second : volt',
        threshold: 'v > Vt',
        reset: 'v = Vr',
        method: 'euler',
        init: { v: 'Vr + rand()*(Vt - Vr)' },
      },
    ],
  ];
  for (const [title, group, extra] of cases) {
    it(`gives the JavaScript kernel's results: ${title}`, () => {
      const { wasm, js } = both(network(group, extra));
      expect(wasm.kernel).toBe('wasm');
      expect(js.kernel).toBe('js');
      expect(spikeCount(wasm.monitors)).toBeGreaterThan(5);
      expect(wasm.monitors).toEqual(js.monitors);
    });
  }

  it('builds kernels for very large thresholds (thousands of constants through subexpressions)', () => {
    const subs = Array.from(
      { length: 20 },
      (_, s) =>
        `s${s} = ${Array.from({ length: 150 }, (_, k) => String((s * 150 + k + 1) * 1e-9)).join(' + ')} : 1`,
    );
    const group = {
      model: ['dv/dt = (1.1 - v)/(10*ms) : 1', ...subs].join('\n'),
      threshold: `v > 0.8 + ${subs.map((_, s) => `s${s}`).join(' + ')}`,
      reset: 'v = 0',
      method: 'exact',
      init: { v: 'rand()' },
    };
    const spec = {
      ...network(group, { N: 50, duration: '20*ms' }),
      synapses: {},
      monitors: { spk: { type: 'spikes', source: 'P' } },
    };
    const { wasm, js } = both(spec);
    expect(wasm.kernel).toBe('wasm');
    expect(spikeCount(wasm.monitors)).toBeGreaterThan(5);
    expect(wasm.monitors).toEqual(js.monitors);
  });

  const fallbacks: [string, Group][] = [
    ['a threshold calling exp()', { ...cuba, threshold: 'exp(v/mV) > exp(-50)' }],
    ['refractoriness as a condition', { ...cuba, refractory: 'v > -55*mV' }],
    ['a threshold that reads not_refractory', { ...cuba, threshold: 'v > Vt and not_refractory' }],
    [
      'Euler with exp()',
      {
        ...cuba,
        model: 'dv/dt = (El - v + 2*mV*exp((v - Vt)/(2*mV)))/taum : volt',
        method: 'euler',
        init: {},
      },
    ],
    [
      'Euler with noise',
      { ...cuba, model: 'dv/dt = (El - v)/taum + 2*mV*xi/sqrt(taum) : volt', method: 'euler', init: {} },
    ],
    ['rk4', { ...cuba, method: 'rk4' }],
  ];
  for (const [title, group] of fallbacks) {
    it(`leaves ${title} to the JavaScript kernel`, () => {
      const { wasm, js } = both(network(group));
      expect(wasm.kernel).toBe('js');
      expect(wasm.monitors).toEqual(js.monitors);
    });
  }
});
