/**
 * Synapse storage budget (decisions/0003): one float64 weight and a shared delay cost 12 bytes per
 * synapse — 4 for the target index, 8 for the weight — plus 4 bytes per presynaptic neuron for the
 * offsets. The source index is stored only when code needs it, per-synapse delays as times only
 * when something reads them.
 */
import { describe, expect, it } from 'vitest';
import { compile } from './index.js';

function network(onPre: string, extra: Record<string, unknown> = {}) {
  return {
    version: 1,
    duration: '1*ms',
    seed: 3,
    groups: {
      P: {
        type: 'neurons',
        N: 2000,
        model: 'dv/dt = -v/(10*ms) : volt',
        threshold: 'v > 1*mV',
        reset: 'v = 0*mV',
      },
    },
    synapses: {
      S: {
        source: 'P',
        target: 'P',
        model: 'w : volt',
        on_pre: onPre,
        connect: { p: 0.05 },
        init: { w: '0.1*mV' },
        delay: '1*ms',
        ...extra,
      },
    },
  };
}

function perSynapse(spec: unknown): { bytes: number; count: number } {
  const c = compile(spec);
  if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
  const syn = c.program.build().synapses[0]!;
  return { bytes: syn.memoryBytes(), count: syn.count };
}

describe('synapse memory', () => {
  it('a float64 weight with a shared delay costs 12 bytes per synapse (plus offsets per neuron)', () => {
    const { bytes, count } = perSynapse(network('v_post += w'));
    expect(count).toBeGreaterThan(150_000);
    expect(bytes).toBe(count * 12 + (2000 + 1) * 4);
  });

  it('stores the source index only when code reads it', () => {
    const { bytes, count } = perSynapse(network('v_post += w + 0*v_pre'));
    expect(bytes).toBe(count * 16 + (2000 + 1) * 4);
  });

  it('per-synapse delays cost their grouping; their times and creation order only when read', () => {
    // Two delays (1 and 2 ms): two groups per presynaptic neuron.
    const withDelays = (monitors: Record<string, unknown> = {}) => {
      const spec = network('v_post += w', { init: { w: '0.1*mV', delay: '(1 + j % 2)*ms' } });
      const { delay: _shared, ...S } = spec.synapses.S;
      return { ...spec, synapses: { S }, monitors };
    };
    const snapshot = (variables: string[]) => ({ s: { type: 'snapshot', source: 'S', variables } });
    const plain = perSynapse(withDelays());
    const groups = 2 * 2000 * 8 + (2000 + 1) * 4 + 4;
    expect(plain.bytes).toBe(plain.count * 12 + (2000 + 1) * 4 + groups);
    // A monitor numbers synapses in creation order: the regrouping's permutation is kept.
    expect(perSynapse(withDelays(snapshot(['w']))).bytes - plain.bytes).toBe(plain.count * 4);
    expect(perSynapse(withDelays(snapshot(['delay']))).bytes - plain.bytes).toBe(plain.count * 12);
  });
});
