/**
 * Neuron-level STDP traces (decisions/0004) give the weights that per-synapse event-driven traces
 * give (compiled with `neuronLevelTraces: false`), to rounding; recording a trace changes nothing
 * in the dynamics, and shows each synapse's value as of its last event, as Brian 2 does.
 */
import { describe, expect, it } from 'vitest';
import { compile, run } from './index.js';

function stdp(extraMonitors: Record<string, unknown>, delay?: string) {
  return {
    version: 1,
    duration: '2*second',
    seed: 5,
    constants: { taupre: '20*ms', taupost: '20*ms', gmax: '0.01', dApre: '0.01', dApost: '-0.0105' },
    groups: {
      input: { type: 'poisson', N: 1000, rates: '15*Hz' },
      out: {
        type: 'neurons',
        N: 3,
        model: 'dv/dt = (ge * (0*mV + 60*mV) + (-74*mV) - v) / (10*ms) : volt\ndge/dt = -ge / (5*ms) : 1',
        threshold: 'v > -54*mV',
        reset: 'v = -60*mV',
        init: { v: '-60*mV' },
      },
    },
    synapses: {
      S: {
        source: 'input',
        target: 'out',
        model:
          'w : 1\ndApre/dt = -Apre / taupre : 1 (event-driven)\ndApost/dt = -Apost / taupost : 1 (event-driven)',
        on_pre: 'ge += w\nApre += dApre*gmax\nw = clip(w + Apost, 0, gmax)',
        on_post: 'Apost += dApost*gmax\nw = clip(w + Apre, 0, gmax)',
        connect: { p: 1 },
        init: { w: 'rand() * gmax' },
        ...(delay ? { delay } : {}),
      },
    },
    monitors: {
      w: { type: 'snapshot', source: 'S', variables: ['w'] },
      spk: { type: 'spikes', source: 'out' },
      ...extraMonitors,
    },
  };
}

function weights(
  spec: unknown,
  neuronLevelTraces = true,
): { w: number[]; spikes: number; traces?: number[] } {
  const c = compile(spec, { neuronLevelTraces });
  if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
  const r = run(c.program);
  const snap = r.monitors.w;
  const spk = r.monitors.spk;
  if (snap?.type !== 'snapshot' || spk?.type !== 'spikes') throw new Error('monitors missing');
  const tr = r.monitors.traces;
  return {
    w: snap.values.w!,
    spikes: spk.i.length,
    ...(tr?.type === 'snapshot' ? { traces: [...tr.values.Apre!, ...tr.values.Apost!] } : {}),
  };
}

describe('neuron-level traces', () => {
  const recorded = { traces: { type: 'snapshot', source: 'S', variables: ['Apre', 'Apost'] } };
  const close = (a: number[], b: number[], tol: number) => {
    expect(a.length).toBe(b.length);
    let maxDiff = 0;
    a.forEach((x, k) => (maxDiff = Math.max(maxDiff, Math.abs(x - b[k]!))));
    expect(maxDiff).toBeLessThan(tol);
  };
  for (const delay of [undefined, '1.5*ms']) {
    it(`learn the same weights as per-synapse traces${delay ? ` (delay ${delay})` : ''}`, () => {
      const fast = weights(stdp({}, delay));
      const reference = weights(stdp({}, delay), false);
      expect(fast.spikes).toBe(reference.spikes);
      expect(fast.spikes).toBeGreaterThan(10);
      close(fast.w, reference.w, 1e-12);
      expect(fast.w.some((x, k) => x !== reference.w[k])).toBe(true); // two implementations ran
    });
  }

  it("recording the traces changes nothing and shows Brian 2's per-synapse values", () => {
    const plain = weights(stdp({}));
    const watched = weights(stdp(recorded));
    expect(watched.w).toEqual(plain.w);
    expect(watched.spikes).toBe(plain.spikes);
    const reference = weights(stdp(recorded), false);
    close(watched.traces!, reference.traces!, 1e-15);
    expect(watched.traces!.some((x) => x !== 0)).toBe(true);
  });
});
