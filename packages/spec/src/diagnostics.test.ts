import { describe, expect, it } from 'vitest';
import { formatPath, parseNetworkSpec, SPEC_DIAGNOSTIC_CODES } from './index.js';

const group = { type: 'neurons', N: 2, model: 'dv/dt = -v/(10*ms) : 1' };

function diagnose(spec: Record<string, unknown>) {
  const result = parseNetworkSpec({ version: 1, duration: '10*ms', groups: { G: group }, ...spec });
  return result.ok ? [] : result.diagnostics;
}

describe('specDiagnostics', () => {
  it('formats paths with dots', () => {
    expect(formatPath(['synapses', 'S', 'connect', 0, 'i'])).toBe('synapses.S.connect.0.i');
    expect(formatPath([])).toBe('');
  });

  it('reports each unknown field on its own path, with the closest field of that object', () => {
    const diagnostics = diagnose({ groups: { G: { ...group, treshold: 'v > 1', metod: 'euler' } } });
    expect(diagnostics).toEqual([
      {
        code: 'unknown_field',
        message: 'unknown field "treshold"',
        path: 'groups.G.treshold',
        notes: ['did you mean "threshold"?'],
      },
      {
        code: 'unknown_field',
        message: 'unknown field "metod"',
        path: 'groups.G.metod',
        notes: ['did you mean "method"?'],
      },
    ]);
  });

  it('suggests fields of the monitor type that was written', () => {
    const diagnostics = diagnose({ monitors: { r: { type: 'rate', source: 'G', bins: '1*ms' } } });
    expect(diagnostics).toEqual([
      {
        code: 'unknown_field',
        message: 'unknown field "bins"',
        path: 'monitors.r.bins',
        notes: ['did you mean "bin"?'],
      },
    ]);
  });

  it('suggests fields inside a list of connect calls and inside timed arrays', () => {
    const diagnostics = diagnose({
      constants: { stim: { timed: { values: [1], unit: 'nA', dt: '1*ms', unt: 'nA' } } },
      synapses: { S: { source: 'G', target: 'G', connect: [{}, { conditon: 'i != j' }] } },
    });
    expect(diagnostics.map((d) => [d.path, d.notes])).toEqual([
      ['constants.stim.timed.unt', ['did you mean "unit"?']],
      ['synapses.S.connect.1.conditon', ['did you mean "condition"?']],
    ]);
  });

  it('reports a union through the branch the value is shaped for', () => {
    const diagnostics = diagnose({ groups: { G: { ...group, init: { v: { values: [1, 2], unit: 3 } } } } });
    expect(diagnostics).toEqual([
      { code: 'invalid_type', message: 'expected a string, got number 3', path: 'groups.G.init.v.unit' },
    ]);
  });

  it('lists the accepted kinds when no branch fits', () => {
    const diagnostics = diagnose({ groups: { G: { ...group, init: { v: true } } } });
    expect(diagnostics).toEqual([
      {
        code: 'invalid_type',
        message: 'expected a string, a number, an array or an object, got boolean true',
        path: 'groups.G.init.v',
      },
    ]);
  });

  it('suggests names for references', () => {
    const diagnostics = diagnose({ monitors: { m: { type: 'spikes', source: 'g' } } });
    expect(diagnostics).toEqual([
      {
        code: 'unknown_reference',
        message: 'unknown group "g"',
        path: 'monitors.m.source',
        notes: ['did you mean "G"?'],
      },
    ]);
  });

  it('uses only codes from the table', () => {
    const diagnostics = [
      ...diagnose({ version: 3, seed: 'x', name: '' }),
      ...diagnose({ groups: { G: { ...group, N: 0, method: 'rk45', init: { v: [1] } } } }),
      ...diagnose({ monitors: { G: { type: 'spikes', source: 'G' }, m: { type: 'state', source: 'S' } } }),
    ];
    expect(diagnostics.length).toBeGreaterThan(5);
    for (const d of diagnostics) expect(Object.keys(SPEC_DIAGNOSTIC_CODES)).toContain(d.code);
  });

  it('returns the parsed spec when valid', () => {
    const result = parseNetworkSpec({ version: 1, duration: '10*ms', groups: { G: group } });
    expect(result).toEqual({
      ok: true,
      spec: { version: 1, dt: '0.1*ms', duration: '10*ms', groups: { G: group } },
    });
  });
});
