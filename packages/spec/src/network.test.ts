import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DT,
  NetworkSpecSchema,
  parseNetworkSpec,
  type NetworkSpecInput,
  type SpecDiagnosticCode,
} from './index.js';

/** A small valid network (the seed's three-neuron example) to break one field at a time. */
function base(): NetworkSpecInput {
  return {
    version: 1,
    duration: '50*ms',
    groups: {
      G: {
        type: 'neurons',
        N: 3,
        model: 'dv/dt = (I-v)/tau : 1\nI : 1\ntau : second',
        threshold: 'v > 1',
        reset: 'v = 0',
        method: 'exact',
        init: { I: [2, 0, 0], tau: { values: [10, 100, 100], unit: 'ms' } },
      },
    },
    synapses: {
      S: {
        source: 'G',
        target: 'G',
        model: 'w : 1',
        on_pre: 'v_post += w',
        connect: { i: 0, j: [1, 2] },
      },
    },
    monitors: {
      M: { type: 'state', source: 'G', variables: ['v'] },
      spikes: { type: 'spikes', source: 'G' },
    },
  };
}

/** Loosely typed access for building invalid specs. */
// A spec as tests mangle it: any field may be set to anything.
type Loose = Record<string, any>;

function variant(change: (spec: Loose) => void): unknown {
  const spec = structuredClone(base()) as unknown as Loose;
  change(spec);
  return spec;
}

function diagnosticsOf(input: unknown) {
  const result = parseNetworkSpec(input);
  if (result.ok) throw new Error('expected the spec to be rejected');
  return result.diagnostics;
}

describe('valid specs', () => {
  it('accepts the base spec and fills in defaults', () => {
    const result = parseNetworkSpec(base());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec.dt).toBe(DEFAULT_DT);
    expect(result.spec.monitors?.M).toMatchObject({ record: true, stream: false });
    expect(result.spec.monitors?.spikes).toMatchObject({ record: true, stream: true });
    expect(
      Object.keys(result.spec.groups.G?.type === 'neurons' ? (result.spec.groups.G.init ?? {}) : {}),
    ).toEqual(['I', 'tau']);
  });

  it('defaults a synapse model to ""', () => {
    const spec = variant((s) => {
      delete s.synapses.S.model;
    });
    const result = NetworkSpecSchema.parse(spec);
    expect(result.synapses?.S?.model).toBe('');
  });

  it('accepts every group type, slices, timed arrays and monitors of synapses', () => {
    const spec: NetworkSpecInput = {
      version: 1,
      name: 'everything',
      dt: '0.05*ms',
      duration: 0.1,
      seed: 2 ** 32 - 1,
      constants: {
        tau: '10*ms',
        gain: 2,
        stim: { timed: { values: [0, 1, 0], unit: 'nA', dt: '10*ms' } },
        drive: {
          timed: {
            values: [
              [0, 1],
              [1, 0],
            ],
            unit: 'nA',
            dt: '10*ms',
          },
        },
      },
      groups: {
        P: {
          type: 'neurons',
          N: 10,
          model: 'dv/dt = -v/tau : volt (unless refractory)',
          threshold: 'v > 10*mV',
          reset: 'v = 0*mV',
          refractory: '2*ms',
          method: 'linear',
          init: { v: 'rand()*10*mV', u: ['1*mV', 2, 3, 4, 5, 6, 7, 8, 9, 10] },
        },
        input: { type: 'poisson', N: 5, rates: '(10 + i)*Hz' },
        gen: {
          type: 'spikes',
          N: 2,
          indices: [0, 1, 1],
          times: ['1*ms', '2*ms', '3*ms'],
          period: '10*ms',
        },
        empty: { type: 'spikes', N: 1, indices: [], times: { values: [], unit: 'ms' } },
      },
      synapses: {
        E: { source: 'P[0:8]', target: 'P', on_pre: 'v += 1*mV', connect: { condition: 'i != j', p: 0.1 } },
        F: {
          source: 'input',
          target: 'P[8:10]',
          on_pre: 'v += 1*mV',
          delay: '1*ms',
          connect: [{}, { j: 'i', n: 2 }],
        },
        G: { source: 'gen', target: 'P', on_pre: 'v += 1*mV', connect: { i: [0, 1], j: 9 } },
      },
      monitors: {
        sp: { type: 'spikes', source: 'P[0:5]', record: [0, 4], stream: false },
        counts: { type: 'spikes', source: 'input', record: false },
        vm: {
          type: 'state',
          source: 'P',
          variables: ['v', 'not_refractory'],
          record: [9],
          dt: '1*ms',
          stream: true,
        },
        syn: { type: 'state', source: 'E', variables: ['w'], record: [100] },
        rate: { type: 'rate', source: 'P', bin: '1*ms', stream: true },
        w: { type: 'snapshot', source: 'F', variables: ['w'] },
      },
    };
    const result = parseNetworkSpec(spec);
    expect(result.ok ? [] : result.diagnostics).toEqual([]);
  });

  it('keeps the order of init keys (init runs in key order)', () => {
    const spec = variant((s) => {
      s.groups.G.init = { v: '1', u: 'b*v', a: 2 };
    });
    const parsed = NetworkSpecSchema.parse(spec);
    const g = parsed.groups.G;
    expect(g?.type === 'neurons' ? Object.keys(g.init ?? {}) : []).toEqual(['v', 'u', 'a']);
  });
});

describe('invalid specs', () => {
  const cases: [string, () => unknown, string, SpecDiagnosticCode][] = [
    ['negative N', () => variant((s) => (s.groups.G.N = -1)), 'groups.G.N', 'out_of_range'],
    ['zero N', () => variant((s) => (s.groups.G.N = 0)), 'groups.G.N', 'out_of_range'],
    ['fractional N', () => variant((s) => (s.groups.G.N = 1.5)), 'groups.G.N', 'invalid_type'],
    ['missing duration', () => variant((s) => delete s.duration), 'duration', 'missing_field'],
    ['missing model', () => variant((s) => delete s.groups.G.model), 'groups.G.model', 'missing_field'],
    ['missing group type', () => variant((s) => delete s.groups.G.type), 'groups.G.type', 'missing_field'],
    ['duration of the wrong type', () => variant((s) => (s.duration = true)), 'duration', 'invalid_type'],
    [
      'bad group name',
      () => variant((s) => (s.groups = { 'my-group': s.groups.G! })),
      'groups.my-group',
      'invalid_name',
    ],
    [
      'group name starting with a digit',
      () => variant((s) => (s.groups = { ...s.groups, '1G': { type: 'poisson', N: 1, rates: '1*Hz' } })),
      'groups.1G',
      'invalid_name',
    ],
    [
      'bad init variable name',
      () => variant((s) => (s.groups.G.init = { 'v.x': 1 })),
      'groups.G.init.v.x',
      'invalid_name',
    ],
    [
      'duplicate name across groups and monitors',
      () => variant((s) => (s.monitors.G = { type: 'spikes', source: 'G' })),
      'monitors.G',
      'duplicate_name',
    ],
    [
      'duplicate name across synapses and monitors',
      () => variant((s) => (s.monitors.S = { type: 'snapshot', source: 'S', variables: ['w'] })),
      'monitors.S',
      'duplicate_name',
    ],
    [
      'duplicate name across groups and synapses',
      () => variant((s) => (s.synapses.G = { source: 'G', target: 'G', connect: {} })),
      'synapses.G',
      'duplicate_name',
    ],
    ['unknown top-level key', () => variant((s) => (s.durration = '1*ms')), 'durration', 'unknown_field'],
    [
      'unknown key in a group',
      () => variant((s) => (s.groups.G.treshold = 'v > 1')),
      'groups.G.treshold',
      'unknown_field',
    ],
    [
      'unknown key in synapses',
      () => variant((s) => (s.synapses.S.onpre = 'v += 1')),
      'synapses.S.onpre',
      'unknown_field',
    ],
    [
      'unknown key in a monitor',
      () => variant((s) => (s.monitors.spikes.recrod = false)),
      'monitors.spikes.recrod',
      'unknown_field',
    ],
    [
      'unknown key in a connect call',
      () => variant((s) => (s.synapses.S.connect = { prob: 0.1 })),
      'synapses.S.connect.prob',
      'unknown_field',
    ],
    [
      'wrong monitor type',
      () => variant((s) => (s.monitors.M.type = 'voltage')),
      'monitors.M.type',
      'unknown_type',
    ],
    ['wrong group type', () => variant((s) => (s.groups.G.type = 'neuron')), 'groups.G.type', 'unknown_type'],
    [
      'empty variables',
      () => variant((s) => (s.monitors.M.variables = [])),
      'monitors.M.variables',
      'out_of_range',
    ],
    [
      'variable listed twice',
      () => variant((s) => (s.monitors.M.variables = ['v', 'v'])),
      'monitors.M.variables.1',
      'duplicate_variable',
    ],
    [
      'empty record list',
      () => variant((s) => (s.monitors.M.record = [])),
      'monitors.M.record',
      'out_of_range',
    ],
    [
      'p > 1',
      () => variant((s) => (s.synapses.S.connect = { p: 1.5 })),
      'synapses.S.connect.p',
      'out_of_range',
    ],
    [
      'p < 0',
      () => variant((s) => (s.synapses.S.connect = [{}, { p: -0.1 }])),
      'synapses.S.connect.1.p',
      'out_of_range',
    ],
    ['version 2', () => variant((s) => (s.version = 2)), 'version', 'invalid_value'],
    ['negative seed', () => variant((s) => (s.seed = -1)), 'seed', 'out_of_range'],
    ['seed above 2^32-1', () => variant((s) => (s.seed = 2 ** 32)), 'seed', 'out_of_range'],
    [
      'unknown method',
      () => variant((s) => (s.groups.G.method = 'rk45')),
      'groups.G.method',
      'invalid_value',
    ],
    ['no groups', () => variant((s) => (s.groups = {})), 'groups', 'invalid_value'],
    [
      'unknown synapse source',
      () => variant((s) => (s.synapses.S.source = 'H')),
      'synapses.S.source',
      'unknown_reference',
    ],
    [
      'monitor as synapse target',
      () => variant((s) => (s.synapses.S.target = 'M')),
      'synapses.S.target',
      'wrong_reference',
    ],
    [
      'spike monitor of synapses',
      () => variant((s) => (s.monitors.spikes.source = 'S')),
      'monitors.spikes.source',
      'wrong_reference',
    ],
    [
      'slice beyond N',
      () => variant((s) => (s.synapses.S.source = 'G[0:10]')),
      'synapses.S.source',
      'invalid_slice',
    ],
    [
      'empty slice',
      () => variant((s) => (s.monitors.spikes.source = 'G[2:2]')),
      'monitors.spikes.source',
      'invalid_slice',
    ],
    [
      'sliced synapses',
      () => variant((s) => (s.monitors.M.source = 'S[0:1]')),
      'monitors.M.source',
      'invalid_slice',
    ],
    [
      'malformed slice',
      () => variant((s) => (s.synapses.S.source = 'G[0:]')),
      'synapses.S.source',
      'invalid_format',
    ],
    [
      'init array not of length N',
      () => variant((s) => (s.groups.G.init = { I: [1, 2] })),
      'groups.G.init.I',
      'length_mismatch',
    ],
    [
      'init values not of length N',
      () => variant((s) => (s.groups.G.init = { tau: { values: [1], unit: 'ms' } })),
      'groups.G.init.tau.values',
      'length_mismatch',
    ],
    [
      'init value of the wrong type',
      () => variant((s) => (s.groups.G.init = { I: [1, 2, true] })),
      'groups.G.init.I.2',
      'invalid_type',
    ],
    [
      'init values without unit',
      () => variant((s) => (s.groups.G.init = { I: { values: [1, 2, 3] } })),
      'groups.G.init.I.unit',
      'missing_field',
    ],
    [
      'target index out of range',
      () => variant((s) => (s.synapses.S.connect = { i: 0, j: [1, 3] })),
      'synapses.S.connect.j.1',
      'index_out_of_range',
    ],
    [
      'source index out of range',
      () => variant((s) => (s.synapses.S.connect = { i: 5, j: 0 })),
      'synapses.S.connect.i',
      'index_out_of_range',
    ],
    [
      'negative index',
      () => variant((s) => (s.synapses.S.connect = { i: -1, j: 0 })),
      'synapses.S.connect.i',
      'out_of_range',
    ],
    [
      'i without j',
      () => variant((s) => (s.synapses.S.connect = { i: 0 })),
      'synapses.S.connect.i',
      'invalid_connect',
    ],
    [
      'recorded index beyond N',
      () => variant((s) => (s.monitors.M.record = [0, 3])),
      'monitors.M.record.1',
      'index_out_of_range',
    ],
    [
      'empty threshold',
      () => variant((s) => (s.groups.G.threshold = ' ')),
      'groups.G.threshold',
      'invalid_format',
    ],
    [
      'spike generator index beyond N',
      () =>
        variant((s) => (s.groups.gen = { type: 'spikes', N: 2, indices: [0, 2], times: ['1*ms', '2*ms'] })),
      'groups.gen.indices.1',
      'index_out_of_range',
    ],
    [
      'spike generator with fewer times than indices',
      () =>
        variant(
          (s) =>
            (s.groups.gen = { type: 'spikes', N: 2, indices: [0, 1], times: { values: [1], unit: 'ms' } }),
        ),
      'groups.gen.times.values',
      'length_mismatch',
    ],
    [
      'negative spike time',
      () =>
        variant(
          (s) => (s.groups.gen = { type: 'spikes', N: 1, indices: [0], times: { values: [-1], unit: 'ms' } }),
        ),
      'groups.gen.times.values.0',
      'out_of_range',
    ],
    [
      'ragged 2-D timed array',
      () =>
        variant(
          (s) => (s.constants = { stim: { timed: { values: [[1, 2], [3]], unit: 'nA', dt: '1*ms' } } }),
        ),
      'constants.stim.timed.values.1',
      'length_mismatch',
    ],
    [
      'constant of the wrong type',
      () => variant((s) => (s.constants = { tau: true })),
      'constants.tau',
      'invalid_type',
    ],
    ['spec that is not an object', () => [], '', 'invalid_type'],
  ];

  it('has a broad table', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)('rejects %s', (_name, make, path, code) => {
    const diagnostics = diagnosticsOf(make());
    expect(diagnostics.map((d) => [d.path, d.code])).toContainEqual([path, code]);
    expect(diagnostics.every((d) => d.message.length > 0)).toBe(true);
  });
});

describe('zod issue paths', () => {
  it('point at the field', () => {
    const result = NetworkSpecSchema.safeParse(variant((s) => (s.groups.G.N = -1)));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path)).toEqual([['groups', 'G', 'N']]);
  });

  it('point at the duplicate, not the first use', () => {
    const result = NetworkSpecSchema.safeParse(
      variant((s) => (s.monitors.S = { type: 'spikes', source: 'G' })),
    );
    expect(result.error?.issues.map((i) => i.path)).toEqual([['monitors', 'S']]);
  });

  it('carry a code and notes in params for checks that span objects', () => {
    const result = NetworkSpecSchema.safeParse(variant((s) => (s.synapses.S.source = 'g')));
    const [issue] = result.error?.issues ?? [];
    expect(issue?.path).toEqual(['synapses', 'S', 'source']);
    expect(issue?.code === 'custom' ? issue.params : undefined).toEqual({
      code: 'unknown_reference',
      notes: ['did you mean "G"?'],
    });
  });
});
