/**
 * A neuron step split across threads (compile option `threads`) gives the one-thread results bit
 * for bit: spikes in index order, state traces, and every later step that depends on them.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { compile, run } from './index.js';

function network(N: number, model: Record<string, unknown> = {}) {
  return {
    version: 1,
    duration: '100*ms',
    seed: 4,
    constants: { taum: '20*ms', taue: '5*ms', taui: '10*ms', Vt: '-50*mV', Vr: '-60*mV', El: '-49*mV' },
    groups: {
      P: {
        type: 'neurons',
        N,
        model:
          'dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)\ndge/dt = -ge/taue : volt\ndgi/dt = -gi/taui : volt',
        threshold: 'v > Vt',
        reset: 'v = Vr',
        refractory: '5*ms',
        method: 'exact',
        init: { v: 'Vr + rand()*(Vt - Vr)' },
        ...model,
      },
    },
    synapses: {
      E: { source: 'P', target: 'P', model: '', on_pre: 'ge += 1.6*mV', connect: { p: 0.02 } },
      I: { source: 'P[0:20]', target: 'P', model: '', on_pre: 'gi -= 5*mV', connect: { p: 0.05 } },
    },
    monitors: {
      spk: { type: 'spikes', source: 'P' },
      st: { type: 'state', source: 'P', variables: ['v', 'ge'], record: [0, N - 1] },
    },
  };
}

function runWith(spec: unknown, count: number) {
  const c = compile(spec, count > 1 ? { threads: { count, Worker, minNeurons: 8 } } : {});
  if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
  const probe = c.program.build();
  expect(probe.groups[0]!.threads).toBe(count);
  for (const g of probe.groups) g.close?.();
  return run(c.program).monitors;
}

describe('neuron steps split across threads', () => {
  for (const [N, count] of [
    [1001, 2],
    [1000, 3],
    [403, 4],
  ] as const) {
    it(`${N} neurons on ${count} threads give the one-thread results`, () => {
      const one = runWith(network(N), 1);
      const split = runWith(network(N), count);
      expect((one.spk as { i: number[] }).i.length).toBeGreaterThan(100);
      expect(split).toEqual(one);
    });
  }

  it('runs Euler groups split too', () => {
    const coba = {
      model:
        'dv/dt = (ge*(0*mV-v) + gi*(-80*mV-v) - (v-El))/taum : volt (unless refractory)\ndge/dt = -ge/taue : 1\ndgi/dt = -gi/taui : 1',
      method: 'euler',
    };
    const spec = {
      ...network(800, coba),
      synapses: {
        E: { source: 'P', target: 'P', model: '', on_pre: 'ge += 0.05', connect: { p: 0.02 } },
      },
    };
    expect(runWith(spec, 2)).toEqual(runWith(spec, 1));
  });

  it('keeps small groups on one thread', () => {
    const c = compile(network(100), { threads: { count: 2, Worker } });
    if (!c.ok) throw new Error('invalid');
    const built = c.program.build();
    expect(built.groups[0]!.threads).toBe(1);
  });
});
