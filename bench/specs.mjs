/**
 * The benchmark networks, as Volley specs (NETWORK-SPEC.md). Brian 2 runs the
 * same JSON through bench/brian2_bench.py. Every group has a count-only spike
 * monitor (`record: false`), so both sides count spikes and synaptic events the
 * same way without storing spikes.
 */

const countMonitors = (...groups) =>
  Object.fromEntries(
    groups.map((g) => [`count_${g}`, { type: 'spikes', source: g, record: false, stream: false }]),
  );

/** 10 000 LIF neurons, each driven by its own 500 Hz Poisson source (one-to-one synapses). */
export function lifPoisson({ n = 10_000, duration = '1*second' } = {}) {
  return {
    version: 1,
    name: `lif-poisson-${n}`,
    dt: '0.1*ms',
    duration,
    seed: 1,
    constants: { taum: '20*ms', El: '-60*mV', Vt: '-50*mV', Vr: '-60*mV', w: '1.5*mV', rate: '500*Hz' },
    groups: {
      inp: { type: 'poisson', N: n, rates: 'rate' },
      G: {
        type: 'neurons',
        N: n,
        model: 'dv/dt = (El - v)/taum : volt (unless refractory)',
        threshold: 'v > Vt',
        reset: 'v = Vr',
        refractory: '2*ms',
        method: 'exact',
        init: { v: 'El + rand()*(Vt - El)' },
      },
    },
    synapses: {
      S: { source: 'inp', target: 'G', model: '', on_pre: 'v_post += w', connect: { j: 'i' } },
    },
    monitors: countMonitors('inp', 'G'),
  };
}

/**
 * CUBA (Vogels & Abbott 2005) with N neurons and 80 synapses per neuron on average
 * (p = 80/N), so the dynamics do not depend on N — the shipped cuba.json at N = 4000.
 * `synapsesPerNeuron` > 80 scales the weights by 80/k (the "dense" cases).
 */
export function cuba({
  n = 4000,
  synapsesPerNeuron = 80,
  duration = '1*second',
  delays = false,
  stdp = false,
} = {}) {
  const ne = Math.round(0.8 * n);
  const p = synapsesPerNeuron / n;
  const scale = 80 / synapsesPerNeuron;
  const tag = [delays && 'delays', stdp && 'stdp'].filter(Boolean).join('-');
  const spec = {
    version: 1,
    name: `cuba-${n}x${synapsesPerNeuron}${tag ? `-${tag}` : ''}`,
    dt: '0.1*ms',
    duration,
    seed: 11,
    constants: {
      taum: '20*ms',
      taue: '5*ms',
      taui: '10*ms',
      Vt: '-50*mV',
      Vr: '-60*mV',
      El: '-49*mV',
      we: `(60*0.27/10)*mV*${scale}`,
      wi: `(-20*4.5/10)*mV*${scale}`,
    },
    groups: {
      P: {
        type: 'neurons',
        N: n,
        model:
          'dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)\ndge/dt = -ge/taue : volt\ndgi/dt = -gi/taui : volt',
        threshold: 'v > Vt',
        reset: 'v = Vr',
        refractory: '5*ms',
        method: 'exact',
        init: { v: 'Vr + rand() * (Vt - Vr)', ge: '0*mV', gi: '0*mV' },
      },
    },
    synapses: {
      Ce: { source: 'P', target: 'P', model: '', on_pre: 'ge += we', connect: { condition: `i < ${ne}`, p } },
      Ci: {
        source: 'P',
        target: 'P',
        model: '',
        on_pre: 'gi += wi',
        connect: { condition: `i >= ${ne}`, p },
      },
    },
    monitors: countMonitors('P'),
  };
  if (delays) {
    for (const s of Object.values(spec.synapses)) s.init = { delay: '1*ms + 4*ms*rand()' };
  }
  if (stdp) {
    // The seed's STDP rule (NETWORK-SPEC.md) on the excitatory synapses, weights in volt.
    Object.assign(spec.constants, {
      taupre: '20*ms',
      taupost: '20*ms',
      wmax: '2*we',
      Apre: '0.01*wmax',
      Apost: '-0.0105*wmax',
    });
    spec.synapses.Ce = {
      ...spec.synapses.Ce,
      model:
        'w : volt\ndapre/dt = -apre/taupre : volt (event-driven)\ndapost/dt = -apost/taupost : volt (event-driven)',
      on_pre: 'ge += w\napre += Apre\nw = clip(w + apost, 0*mV, wmax)',
      on_post: 'apost += Apost\nw = clip(w + apre, 0*mV, wmax)',
      init: { ...(spec.synapses.Ce.init ?? {}), w: 'we' },
    };
  }
  return spec;
}

/**
 * The benchmark cases. `quick` ones run by default; the others when named or with --all.
 * `brianTargets` skips targets that would only measure a timeout (numpy on the dense cases).
 */
export const CASES = {
  'lif-poisson': {
    quick: true,
    about: '10 000 LIF, one 500 Hz Poisson input each, 1 s',
    make: (o) => lifPoisson(o),
  },
  'cuba-4k': {
    quick: true,
    about: 'CUBA N = 4 000, 80 syn/neuron, 1 s',
    make: (o) => cuba({ ...o, n: 4000 }),
  },
  'cuba-16k': {
    quick: true,
    about: 'CUBA N = 16 000, 80 syn/neuron, 1 s',
    make: (o) => cuba({ ...o, n: 16_000 }),
  },
  'cuba-64k': {
    quick: false,
    about: 'CUBA N = 64 000, 80 syn/neuron, 1 s',
    make: (o) => cuba({ ...o, n: 64_000 }),
  },
  dense: {
    quick: false,
    about: '10 000 neurons × 2 000 synapses (static weights, one delay), 1 s',
    make: (o) => cuba({ ...o, n: 10_000, synapsesPerNeuron: 2000 }),
  },
  'dense-delays': {
    quick: false,
    about: 'dense, heterogeneous delays 1–5 ms',
    make: (o) => cuba({ ...o, n: 10_000, synapsesPerNeuron: 2000, delays: true }),
  },
  'dense-stdp': {
    quick: false,
    about: 'dense, STDP on the excitatory synapses',
    make: (o) => cuba({ ...o, n: 10_000, synapsesPerNeuron: 2000, stdp: true }),
  },
};
