/**
 * Neuron-level STDP traces (decisions/0004) give the weights that per-synapse event-driven traces
 * give (compiled with `neuronLevelTraces: false`), to rounding; recording a trace changes nothing
 * in the dynamics, and shows each synapse's value as of its last event, as Brian 2 does.
 *
 * on_post deferred to each source's next delivery (decisions/0005) gives the very weights that
 * running it at once gives (recording a trace keeps it immediate), also when its log of
 * postsynaptic spikes fills up and when the traces' scale is folded into their stored values.
 */
import { describe, expect, it } from 'vitest';
import { compile, run } from './index.js';

/** `drive` makes the targets fire regularly on top of their input; `tau` is both traces' time constant. */
function stdp(
  extraMonitors: Record<string, unknown>,
  delay?: string,
  opts: { tau?: string; drive?: string } = {},
) {
  const tau = opts.tau ?? '20*ms';
  return {
    version: 1,
    duration: '2*second',
    seed: 5,
    constants: {
      taupre: tau,
      taupost: tau,
      gmax: '0.01',
      dApre: '0.01',
      dApost: '-0.0105',
      drive: opts.drive ?? '0*mV',
    },
    groups: {
      input: { type: 'poisson', N: 1000, rates: '15*Hz' },
      out: {
        type: 'neurons',
        N: 3,
        model:
          'dv/dt = (ge * (0*mV + 60*mV) + (-74*mV) + drive - v) / (10*ms) : volt\ndge/dt = -ge / (5*ms) : 1',
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
): { w: number[]; spikes: number; traces?: number[]; wt?: number[][] } {
  const c = compile(spec, { neuronLevelTraces });
  if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
  const r = run(c.program);
  const snap = r.monitors.w;
  const spk = r.monitors.spk;
  if (snap?.type !== 'snapshot' || spk?.type !== 'spikes') throw new Error('monitors missing');
  const tr = r.monitors.traces;
  const wt = r.monitors.wt;
  return {
    w: snap.values.w!,
    spikes: spk.i.length,
    ...(tr?.type === 'snapshot' ? { traces: [...tr.values.Apre!, ...tr.values.Apost!] } : {}),
    ...(wt?.type === 'state' ? { wt: wt.values.w! } : {}),
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

describe('deferred on_post', () => {
  const recorded = { traces: { type: 'snapshot', source: 'S', variables: ['Apre', 'Apost'] } };
  // Targets driven to ~380 Hz: about 4000 postsynaptic spikes, 4 times what the log holds here.
  const busy = { drive: '40*mV' };
  // 1 ms traces: their scale is folded into the stored values about every 0.2 s.
  const fast = { drive: '40*mV', tau: '1*ms' };
  const cases: [string, { drive: string; tau?: string }][] = [
    ['the log of postsynaptic spikes fills up', busy],
    ["the traces' scale is folded into their values", fast],
  ];
  for (const [when, opts] of cases)
    for (const delay of [undefined, '1.5*ms']) {
      it(`gives the weights of on_post run at once, bit for bit, when ${when}${delay ? ` (delay ${delay})` : ''}`, () => {
        const deferred = weights(stdp({}, delay, opts));
        const immediate = weights(stdp(recorded, delay, opts));
        expect(deferred.spikes).toBeGreaterThan(4096);
        expect(deferred.spikes).toBe(immediate.spikes);
        expect(deferred.w).toEqual(immediate.w);
        expect(new Set(deferred.w).size).toBeGreaterThan(2900); // not clipped to the bounds
        const reference = weights(stdp({}, delay, opts), false);
        expect(reference.spikes).toBe(deferred.spikes);
        deferred.w.forEach((x, k) => expect(Math.abs(x - reference.w[k]!)).toBeLessThan(1e-12));
      });
    }

  it('a state monitor of the weights sees them up to date at every step', () => {
    const wt = { wt: { type: 'state', source: 'S', variables: ['w'], record: [0, 1500, 2999] } };
    const deferred = weights(stdp(wt, undefined, busy));
    const immediate = weights(stdp({ ...wt, ...recorded }, undefined, busy));
    expect(deferred.wt).toEqual(immediate.wt);
    expect(new Set(deferred.wt![0]).size).toBeGreaterThan(100); // the weight moves
  });
});
