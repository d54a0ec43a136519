/**
 * The WebAssembly delivery kernel gives the JavaScript kernel's results bit for bit: each network
 * runs with `wasmKernels` on and off, and spikes and recorded values must be identical. It is used
 * only for updates by constants or static per-synapse weights of targets that live in a
 * WebAssembly memory.
 */
import { describe, expect, it } from 'vitest';
import { compile, run } from './index.js';

const cubaModel =
  'dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)\ndge/dt = -ge/taue : volt\ndgi/dt = -gi/taui : volt';

function network(
  synapse: Record<string, unknown>,
  target: Record<string, unknown> = {},
  monitors: Record<string, unknown> = {},
) {
  return {
    version: 1,
    duration: '200*ms',
    seed: 9,
    constants: {
      taum: '20*ms',
      taue: '5*ms',
      taui: '10*ms',
      Vt: '-50*mV',
      Vr: '-60*mV',
      El: '-49*mV',
      we: '1.62*mV',
      wi: '-9*mV',
    },
    groups: {
      P: {
        type: 'neurons',
        N: 203,
        model: cubaModel,
        threshold: 'v > Vt',
        reset: 'v = Vr',
        refractory: '5*ms',
        method: 'exact',
        init: { v: 'Vr + rand()*(Vt - Vr)' },
        ...target,
      },
    },
    synapses: {
      E: { source: 'P[0:160]', target: 'P', model: '', on_pre: 'ge += we', connect: { p: 0.1 }, ...synapse },
      I: { source: 'P[160:203]', target: 'P', model: '', on_pre: 'gi += wi', connect: { p: 0.1 } },
    },
    monitors: {
      spk: { type: 'spikes', source: 'P' },
      st: { type: 'state', source: 'P', variables: ['v', 'ge', 'gi'], record: [0, 7, 202] },
      ...monitors,
    },
  };
}

function both(spec: unknown) {
  return [true, false].map((wasmKernels) => {
    const c = compile(spec, { wasmKernels });
    if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
    const built = c.program.build();
    const kernel = built.synapses.find((s) => s.name === 'E')!.kernel;
    const r = run(c.program);
    return { kernel, monitors: r.monitors, events: r.stats.synaptic_events };
  });
}

describe('WebAssembly synaptic delivery', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>?][] = [
    ['no delay', {}],
    ['a shared delay', { delay: '1.5*ms' }],
    ['per-synapse delays', { init: { delay: 'rand()*3*ms' } }],
    ['several statements, += and -=', { on_pre: 'ge += we\nv_post -= 0.1*mV\ngi -= 0.5*mV' }],
    ['per-synapse weights', { model: 'w : volt', on_pre: 'ge += w', init: { w: 'rand()*we' } }],
    ['a target slice', { target: 'P[100:203]', connect: { p: 0.2 } }],
    [
      'per-synapse weights with per-synapse delays, a constant too, and a monitor on the weights',
      {
        model: 'w : volt\nu : volt',
        on_pre: 'ge += w\ngi -= u\nv_post += 0.1*mV',
        init: { w: 'rand()*we', u: 'j*0.01*mV', delay: 'rand()*3*ms' },
      },
      {
        ws: { type: 'state', source: 'E', variables: ['w', 'u'], record: [0, 5] },
        wsnap: { type: 'snapshot', source: 'E', variables: ['w', 'u', 'delay'] },
      },
    ],
  ];
  for (const [title, synapse, monitors] of cases) {
    it(`gives the JavaScript kernel's results: ${title}`, () => {
      const [wasm, js] = both(network(synapse, {}, monitors));
      expect(wasm!.kernel).toBe('wasm');
      expect(js!.kernel).toBe('js');
      expect(wasm!.events).toBeGreaterThan(1000);
      expect(wasm!.events).toBe(js!.events);
      expect(wasm!.monitors).toEqual(js!.monitors);
    });
  }

  const fallbacks: [string, Record<string, unknown>, Record<string, unknown>?][] = [
    ['a weight that on_pre changes', { model: 'w : volt', on_pre: 'ge += w\nw *= 0.9', init: { w: 'we' } }],
    ['a shared weight', { model: 'w : volt (shared)', on_pre: 'ge += w', init: { w: 'we' } }],
    ['an expression of a weight', { model: 'w : 1', on_pre: 'ge += w*we', init: { w: 'rand()' } }],
    ['a statement that is not a constant update', { on_pre: 'ge = ge + we' }],
    ['a target group on the JavaScript kernel', {}, { refractory: 'v > -55*mV' }],
  ];
  for (const [title, synapse, target] of fallbacks) {
    it(`leaves ${title} to the JavaScript kernel`, () => {
      const [wasm, js] = both(network(synapse, target));
      expect(wasm!.kernel).toBe('js');
      expect(wasm!.monitors).toEqual(js!.monitors);
    });
  }
});
