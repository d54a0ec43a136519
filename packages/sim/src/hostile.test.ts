/**
 * Hostile specs end in diagnostics, never in an exception or a stack overflow: deep nesting,
 * long operator chains, oversized groups, and text that tries to escape into generated code.
 */
import { describe, expect, it } from 'vitest';
import { compile, run } from './index.js';

const base = () => ({
  version: 1,
  duration: '1*ms',
  groups: {
    G: {
      type: 'neurons',
      N: 2,
      model: 'dv/dt = -v/(10*ms) : 1',
      threshold: 'v > 1',
      reset: 'v = 0',
    } as Record<string, unknown>,
  },
});

const cases: [string, (s: ReturnType<typeof base>) => void, RegExp][] = [
  [
    '100 000 nested parentheses',
    (s) => (s.groups.G.threshold = '('.repeat(100_000) + 'v' + ')'.repeat(100_000) + ' > 1'),
    /nested too deeply/,
  ],
  [
    '100 000 unary minus signs',
    (s) => (s.groups.G.threshold = '-'.repeat(100_000) + 'v > 1'),
    /nested too deeply/,
  ],
  [
    'a sum of 200 000 terms',
    (s) => (s.groups.G.threshold = Array(200_000).fill('v').join(' + ') + ' > 1'),
    /nested too deeply/,
  ],
  ['a group of 10^12 neurons', (s) => (s.groups.G.N = 1e12), /2\^31/],
  [
    'a quote that tries to close generated code',
    (s) => (s.groups.G.reset = 'v = 0; "); process.exit(1); //'),
    /unexpected character/,
  ],
  ...['constructor', 'toString', 'hasOwnProperty', '__proto__'].map((f): (typeof cases)[number] => [
    `an object built-in called as a function (${f})`,
    (s) => (s.groups.G.threshold = `${f}(v) > 1`),
    new RegExp(`unknown function "${f}"`),
  ]),
  [
    'a brace in a condition',
    (s) => (s.groups.G.threshold = 'v > 1 }); process.exit(1); ({'),
    /unexpected character/,
  ],
];

describe('hostile input', () => {
  it.each(cases)('%s: a diagnostic, no exception', (_label, change, message) => {
    const spec = base();
    change(spec);
    let result: ReturnType<typeof compile> | undefined;
    expect(() => (result = compile(spec))).not.toThrow();
    expect(result?.ok).toBe(false);
    if (result && !result.ok) expect(result.diagnostics.map((d) => d.message).join('\n')).toMatch(message);
  });

  it('names that are JavaScript words or object built-ins are ordinary variables', () => {
    const spec = base();
    spec.groups.G.model = 'dconstructor/dt = (toString - constructor)/(10*ms) : 1\ntoString : 1\nreturn_ : 1';
    spec.groups.G.threshold = 'constructor > 0.5';
    spec.groups.G.reset = 'constructor = 0';
    spec.groups.G.init = { toString: 1 };
    const c = compile({ ...spec, duration: '20*ms', monitors: { s: { type: 'spikes', source: 'G' } } });
    expect(c.ok).toBe(true);
    if (c.ok) expect(run(c.program).stats.spikes).toBeGreaterThan(0);
  });
});
