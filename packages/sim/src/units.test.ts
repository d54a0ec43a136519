/**
 * Unit names of NETWORK-SPEC.md ("Units known in expressions"): every base and derived unit, its
 * short name, Brian 2's prefixes f p n u m c d k M G on both, and the `Ohm`/`ohm` spellings,
 * resolve to the right SI scale and dimension. Dimensions are written out here as exponent
 * vectors over (m, kg, s, A, K, mol, cd), independently of units.ts; the scales of the names
 * Brian 2 exports were checked against Brian 2.5.1 (`float(unit)`, `unit.dim`).
 */
import { describe, expect, it } from 'vitest';
import { Reporter } from './diagnostics.js';
import { evalQuantity, unitScope } from './namespace.js';
import { DIMENSIONLESS, UNITS, dimDiv, dimMul, dimName, dimPow, type Dim } from './units.js';

const D = {
  second: [0, 0, 1, 0, 0, 0, 0],
  volt: [2, 1, -3, -1, 0, 0, 0],
  amp: [0, 0, 0, 1, 0, 0, 0],
  siemens: [-2, -1, 3, 2, 0, 0, 0],
  farad: [-2, -1, 4, 2, 0, 0, 0],
  ohm: [2, 1, -3, -2, 0, 0, 0],
  hertz: [0, 0, -1, 0, 0, 0, 0],
  metre: [1, 0, 0, 0, 0, 0, 0],
  kilogram: [0, 1, 0, 0, 0, 0, 0],
  mole: [0, 0, 0, 0, 0, 1, 0],
  molar: [-3, 0, 0, 0, 0, 1, 0],
  coulomb: [0, 0, 1, 1, 0, 0, 0],
} satisfies Record<string, Dim>;

/** [names, dimension, SI value of the unprefixed unit] — long names and short symbols. */
const BASES: [string[], Dim, number][] = [
  [['second', 's'], D.second, 1],
  [['volt', 'V'], D.volt, 1],
  [['amp', 'A'], D.amp, 1],
  [['siemens', 'S'], D.siemens, 1],
  [['farad', 'F'], D.farad, 1],
  [['ohm', 'Ohm'], D.ohm, 1],
  [['hertz', 'Hz'], D.hertz, 1],
  [['metre', 'meter', 'm'], D.metre, 1],
  [['mole'], D.mole, 1],
  // molar = mol/litre = 1000 mol/m³ (Brian 2: float(molar) == 1000.0)
  [['molar', 'M'], D.molar, 1000],
  [['coulomb'], D.coulomb, 1],
];

const PREFIXES: [string, number][] = [
  ['f', 1e-15],
  ['p', 1e-12],
  ['n', 1e-9],
  ['u', 1e-6],
  ['m', 1e-3],
  ['c', 1e-2],
  ['d', 1e-1],
  ['k', 1e3],
  ['M', 1e6],
  ['G', 1e9],
];

/** Exponents with -0 made +0 (a negated 0 is the same dimension). */
const norm = (d: Dim): number[] => d.map((x) => x + 0);

function expectUnit(name: string, scale: number, dim: Dim): void {
  const u = UNITS.get(name);
  expect(u, `unit "${name}" is unknown`).toBeDefined();
  expect(norm(u!.dim), `dimension of "${name}"`).toEqual(norm(dim));
  expect(
    Math.abs(u!.scale - scale) <= 1e-12 * Math.abs(scale),
    `scale of "${name}": ${u!.scale}, expected ${scale}`,
  ).toBe(true);
}

describe('unit names', () => {
  const unprefixed = BASES.flatMap(([names, dim, scale]) => names.map((n) => [n, scale, dim] as const));
  it.each(unprefixed)('%s = %d SI', (name, scale, dim) => expectUnit(name, scale, dim));

  const prefixed = BASES.flatMap(([names, dim, scale]) =>
    names.flatMap((n) => PREFIXES.map(([p, f]) => [p + n, scale * f, dim] as const)),
  );
  it.each(prefixed)('%s = %d SI', (name, scale, dim) => expectUnit(name, scale, dim));

  const LISTED: [string, number, Dim][] = [
    // the examples NETWORK-SPEC.md lists by name
    ['ms', 1e-3, D.second],
    ['us', 1e-6, D.second],
    ['mV', 1e-3, D.volt],
    ['uV', 1e-6, D.volt],
    ['nA', 1e-9, D.amp],
    ['pA', 1e-12, D.amp],
    ['nS', 1e-9, D.siemens],
    ['uS', 1e-6, D.siemens],
    ['pF', 1e-12, D.farad],
    ['uF', 1e-6, D.farad],
    ['Mohm', 1e6, D.ohm],
    ['kohm', 1e3, D.ohm],
    ['MOhm', 1e6, D.ohm],
    ['kHz', 1e3, D.hertz],
    ['um', 1e-6, D.metre],
    ['cm', 1e-2, D.metre],
    ['mm', 1e-3, D.metre],
    ['msecond', 1e-3, D.second],
    ['mvolt', 1e-3, D.volt],
    ['namp', 1e-9, D.amp],
    ['msiemens', 1e-3, D.siemens],
    ['ufarad', 1e-6, D.farad],
    ['umetre', 1e-6, D.metre],
    ['umeter', 1e-6, D.metre],
    ['mM', 1, D.molar],
    ['uM', 1e-3, D.molar],
    ['mmolar', 1, D.molar],
    ['mmole', 1e-3, D.mole],
    ['kilogram', 1, D.kilogram],
    ['ampere', 1, D.amp],
    // Brian 2's squared shorthands
    ['um2', 1e-12, dimPow(D.metre, 2)],
    ['cm2', 1e-4, dimPow(D.metre, 2)],
    ['metre2', 1, dimPow(D.metre, 2)],
  ];
  it.each(LISTED)('%s = %d SI', (name, scale, dim) => expectUnit(name, scale, dim));

  it('accepts the micro sign for u', () => {
    expectUnit('µm', 1e-6, D.metre);
    expectUnit('μs', 1e-6, D.second);
  });
});

describe('quantities with units', () => {
  const CASES: [string, number, Dim][] = [
    ['10*ms', 0.01, D.second],
    ['-65*mV', -0.065, D.volt],
    ['0.5*nA', 5e-10, D.amp],
    ['20*Hz', 20, D.hertz],
    ['(60*0.27/10)*mV', 0.00162, D.volt],
    ['1', 1, DIMENSIONLESS],
    ['mV**-1', 1000, dimPow(D.volt, -1)],
    ['second**-0.5', 1, dimPow(D.second, -0.5)],
    ['umetre**2', 1e-12, dimPow(D.metre, 2)],
    ['siemens/meter**2', 1, dimDiv(D.siemens, dimPow(D.metre, 2))],
    ['1*uF/cm**2', 0.01, dimDiv(D.farad, dimPow(D.metre, 2))],
    ['100*Mohm*pF', 1e-4, D.second],
    ['nS*mV', 1e-12, D.amp],
    ['1/ms', 1000, D.hertz],
    ['2*mM', 2, D.molar],
    ['sqrt(4*ms**2)', 0.002, D.second],
  ];
  it.each(CASES)('%s = %d SI', (src, value, dim) => {
    const rep = new Reporter();
    const q = evalQuantity(src, 'x', unitScope(), rep);
    expect(rep.diagnostics).toEqual([]);
    expect(norm(q!.dim)).toEqual(norm(dim));
    expect(Math.abs(q!.value - value) <= 1e-12 * Math.abs(value)).toBe(true);
  });

  it('reports an unknown unit with a suggestion', () => {
    const rep = new Reporter();
    expect(evalQuantity('-70*mvolts', 'v0', unitScope(), rep)).toBeUndefined();
    expect(rep.diagnostics).toEqual([
      expect.objectContaining({
        code: 'unknown_identifier',
        message: 'unknown identifier "mvolts"',
        column: 5,
        length: 6,
      }),
    ]);
    expect(rep.diagnostics[0]!.notes?.[0]).toMatch(/^did you mean .*"mvolt"/);
  });

  it('rejects a bare number where a dimension is wanted, suggesting a unit', () => {
    const rep = new Reporter();
    expect(evalQuantity(10, 'duration', unitScope(), rep, D.second)).toBeUndefined();
    expect(rep.diagnostics[0]!.message).toContain('"10*ms"');
  });
});

describe('dimName', () => {
  const EXACT: [string, Dim][] = [
    ['1', DIMENSIONLESS],
    ['volt', D.volt],
    ['second', D.second],
    ['amp', D.amp],
    ['siemens', D.siemens],
    ['farad', D.farad],
    ['ohm', D.ohm],
    ['hertz', D.hertz],
    ['metre', D.metre],
    ['kilogram', D.kilogram],
    ['mole', D.mole],
    ['molar', D.molar],
    ['coulomb', D.coulomb],
    ['volt / second', dimDiv(D.volt, D.second)],
    ['amp / second', dimDiv(D.amp, D.second)],
    ['second / volt', dimDiv(D.second, D.volt)],
    ['volt ** -1', dimPow(D.volt, -1)],
    ['second ** -0.5', dimPow(D.second, -0.5)],
  ];
  it.each(EXACT)('%s', (name, dim) => expect(dimName(dim)).toBe(name));

  it('names squares readably', () => {
    expect(dimName(dimPow(D.metre, 2))).toMatch(/^metre( \*\* 2| \* metre)$/);
    expect(dimName(dimPow(D.volt, 2))).toMatch(/^volt( \*\* 2| \* volt)$/);
  });

  // Units of Hodgkin–Huxley and noise models, which appear in dimension messages. Brian 2 shows
  // them as S/(m^2), F/(m^2), A/(m^2) and V s^-0.5; a name in SI base units
  // ("metre ** -4 * kilogram ** -1 * second ** 3 * amp ** 2") is not readable.
  const COMPOUND: [string, Dim, string[]][] = [
    ['siemens / metre ** 2', dimDiv(D.siemens, dimPow(D.metre, 2)), ['siemens', 'metre']],
    ['farad / metre ** 2', dimDiv(D.farad, dimPow(D.metre, 2)), ['farad', 'metre']],
    ['amp / metre ** 2', dimDiv(D.amp, dimPow(D.metre, 2)), ['amp', 'metre']],
    ['volt * second ** -0.5', dimMul(D.volt, dimPow(D.second, -0.5)), ['volt', 'second']],
    ['ohm * metre', dimMul(D.ohm, D.metre), ['metre']],
  ];
  it.each(COMPOUND)('names %s with named units, not SI base units', (_label, dim, words) => {
    const n = dimName(dim);
    for (const w of words) expect(n).toContain(w);
    expect(n).not.toContain('kilogram');
  });
});
