/**
 * The WebAssembly neuron kernel computes what the JavaScript kernel computes, bit for bit: every
 * network here runs twice (`wasmKernels` on and off) and the results must be identical, spikes and
 * recorded values alike. The kernel is used where it applies and only there.
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

  const fallbacks: [string, Group][] = [
    ['a threshold calling exp()', { ...cuba, threshold: 'exp(v/mV) > exp(-50)' }],
    ['refractoriness as a condition', { ...cuba, refractory: 'v > -55*mV' }],
    [
      'a non-linear model',
      { ...cuba, model: 'dv/dt = (El - v + (v - El)**2/(100*mV))/taum : volt', method: 'euler', init: {} },
    ],
    ['a threshold that reads not_refractory', { ...cuba, threshold: 'v > Vt and not_refractory' }],
  ];
  for (const [title, group] of fallbacks) {
    it(`leaves ${title} to the JavaScript kernel`, () => {
      const { wasm, js } = both(network(group));
      expect(wasm.kernel).toBe('js');
      expect(wasm.monitors).toEqual(js.monitors);
    });
  }
});
