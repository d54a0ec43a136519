import { describe, expect, it } from 'vitest';
import {
  DiagnosticSchema,
  ErrorEnvelopeSchema,
  ResultsSchema,
  SimulationListSchema,
  SimulationSchema,
  StreamMessageSchema,
  ValidateResponseSchema,
} from './index.js';

const size = { neurons: 3, synapses: 2, steps: 500, recordedSamples: 1500, memoryBytes: 65536 };
const stats = {
  steps: 500,
  spikes: 2,
  synaptic_events: 0,
  build_time_s: 0.002,
  wall_time_s: 0.003,
  total_time_s: 0.006,
};
const simulation = {
  id: 'sim_1',
  name: 'seed-three',
  status: 'completed',
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: '2026-01-01T00:00:00.100Z',
  finishedAt: '2026-01-01T00:00:00.200Z',
  progress: { t: 0.05, fraction: 1 },
  seed: 1,
  size,
  stats,
  links: {
    self: '/v1/simulations/sim_1',
    stream: '/v1/simulations/sim_1/stream',
    results: '/v1/simulations/sim_1/results',
  },
};

describe('API payloads', () => {
  it('parses the results example of NETWORK-SPEC.md', () => {
    const results = {
      id: 'abc',
      seed: 1,
      dt: 0.0001,
      duration: 0.05,
      monitors: {
        spk: { type: 'spikes', i: [0, 0], t: [0.0161, 0.0322], count: [2] },
        vm: { type: 'state', t: [0, 0.0001], record: [0], values: { v: [[0, 0.00995]] } },
        rate: { type: 'rate', t: [0, 0.001], rate: [0, 0] },
        w: { type: 'snapshot', values: { w: [0.004] } },
      },
      stats,
    };
    expect(ResultsSchema.parse(results)).toEqual(results);
  });

  it('carries NaN samples as null and synapse indices in snapshots', () => {
    const monitors = {
      vm: { type: 'state', t: [0], record: [0], values: { v: [[null]] } },
      w: { type: 'snapshot', values: { w: [0.1, null] }, i: [0, 0], j: [1, 2] },
    };
    expect(
      ResultsSchema.safeParse({ id: 'x', seed: 0, dt: 1e-4, duration: 0.1, monitors, stats }).success,
    ).toBe(true);
  });

  it('rejects a monitor result of an unknown type', () => {
    const monitors = { x: { type: 'voltage', t: [] } };
    const result = ResultsSchema.safeParse({ id: 'x', seed: 0, dt: 1e-4, duration: 0.1, monitors, stats });
    expect(result.error?.issues[0]?.path).toEqual(['monitors', 'x', 'type']);
  });

  it('parses a simulation record and strips server-side fields', () => {
    const parsed = SimulationSchema.parse({ ...simulation, owner: 'key_1' });
    expect(parsed).toEqual(simulation);
    expect(SimulationListSchema.parse({ items: [simulation], next: 'c1' }).items).toHaveLength(1);
    expect(SimulationListSchema.parse({ items: [] })).toEqual({ items: [] });
  });

  it('rejects a simulation with a bad status, timestamp or progress', () => {
    expect(SimulationSchema.safeParse({ ...simulation, status: 'done' }).success).toBe(false);
    expect(SimulationSchema.safeParse({ ...simulation, createdAt: 'yesterday' }).success).toBe(false);
    expect(SimulationSchema.safeParse({ ...simulation, progress: { t: 0, fraction: 1.5 } }).success).toBe(
      false,
    );
  });

  it('parses the validate response and the error envelope with diagnostics', () => {
    expect(ValidateResponseSchema.parse({ ok: true, size })).toEqual({ ok: true, size });
    expect(ValidateResponseSchema.safeParse({ ok: false, size }).success).toBe(false);
    const diagnostic = {
      code: 'dimension_mismatch',
      message: 'cannot add volt and second',
      path: 'groups.G.model',
      line: 1,
      column: 14,
      length: 6,
      notes: ['did you mean "tau"?'],
    };
    expect(DiagnosticSchema.parse(diagnostic)).toEqual(diagnostic);
    expect(DiagnosticSchema.safeParse({ ...diagnostic, line: 0 }).success).toBe(false);
    const envelope = {
      error: { code: 'invalid_spec', message: '1 problem', details: { diagnostics: [diagnostic] } },
    };
    expect(ErrorEnvelopeSchema.parse(envelope)).toEqual(envelope);
    const limits = { error: { code: 'too_large', message: 'too many neurons', details: { limit: 1e6 } } };
    expect(ErrorEnvelopeSchema.parse(limits)).toEqual(limits);
    expect(
      ErrorEnvelopeSchema.parse({ error: { code: 'not_found', message: 'no such simulation' } }),
    ).toBeTruthy();
  });

  it('parses every kind of stream message', () => {
    const messages = [
      { seq: 1, type: 'status', status: 'running' },
      { seq: 2, type: 'spikes', monitor: 'spk', i: [0, 3], t: [0.001, 0.0012] },
      { seq: 3, type: 'state', monitor: 'vm', t: [0], record: [0], values: { v: [[-0.065]] } },
      { seq: 4, type: 'rate', monitor: 'rate', t: [0], rate: [12.5] },
      { seq: 5, type: 'progress', t: 0.01, fraction: 0.2, step: 100, steps: 500 },
      { seq: 6, type: 'done', status: 'completed', stats },
      {
        seq: 7,
        type: 'error',
        status: 'cancelled',
        error: { code: 'cancelled', message: 'cancelled by user' },
      },
      { seq: 8, type: 'status', status: 'failed', error: { code: 'timeout', message: 'time limit' } },
    ];
    for (const message of messages) expect(StreamMessageSchema.parse(message)).toEqual(message);
  });

  it('rejects stream messages without a valid seq or with a mismatched status', () => {
    expect(StreamMessageSchema.safeParse({ seq: 0, type: 'status', status: 'running' }).success).toBe(false);
    expect(StreamMessageSchema.safeParse({ type: 'status', status: 'running' }).success).toBe(false);
    expect(StreamMessageSchema.safeParse({ seq: 1, type: 'done', status: 'failed', stats }).success).toBe(
      false,
    );
    expect(StreamMessageSchema.safeParse({ seq: 1, type: 'hello' }).success).toBe(false);
  });
});
