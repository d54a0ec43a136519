/**
 * Physical dimensions and Brian 2's unit names. A dimension is the vector of exponents of the SI
 * base units (m, kg, s, A, K, mol, cd); every quantity inside the simulator is a plain SI float.
 */

export type Dim = readonly [number, number, number, number, number, number, number];

export const DIMENSIONLESS: Dim = [0, 0, 0, 0, 0, 0, 0];
const base = (k: number): Dim => DIMENSIONLESS.map((_, i) => (i === k ? 1 : 0)) as unknown as Dim;
export const METRE = base(0);
export const KILOGRAM = base(1);
export const SECOND = base(2);
export const AMPERE = base(3);
export const KELVIN = base(4);
export const MOLE = base(5);
export const CANDELA = base(6);

export const dimMul = (a: Dim, b: Dim): Dim => a.map((x, i) => x + (b[i] ?? 0)) as unknown as Dim;
export const dimDiv = (a: Dim, b: Dim): Dim => a.map((x, i) => x - (b[i] ?? 0)) as unknown as Dim;
export const dimPow = (a: Dim, p: number): Dim => a.map((x) => clean(x * p)) as unknown as Dim;
export const dimEq = (a: Dim, b: Dim): boolean => a.every((x, i) => Math.abs(x - (b[i] ?? 0)) < 1e-12);
export const isDimensionless = (a: Dim): boolean => dimEq(a, DIMENSIONLESS);
const clean = (x: number): number => (Math.abs(x - Math.round(x)) < 1e-12 ? Math.round(x) : x);

const VOLT: Dim = dimDiv(dimMul(KILOGRAM, dimPow(METRE, 2)), dimMul(dimPow(SECOND, 3), AMPERE));
const OHM = dimDiv(VOLT, AMPERE);
const SIEMENS = dimPow(OHM, -1);
const COULOMB = dimMul(AMPERE, SECOND);
const FARAD = dimDiv(COULOMB, VOLT);
const HERTZ = dimPow(SECOND, -1);
export const HERTZ_DIM = HERTZ;
export const VOLT_DIM = VOLT;
const NEWTON = dimDiv(dimMul(KILOGRAM, METRE), dimPow(SECOND, 2));
const JOULE = dimMul(NEWTON, METRE);
const WATT = dimDiv(JOULE, SECOND);
const MOLAR = dimDiv(MOLE, dimPow(METRE, 3));

/** Named dimensions used in messages ("cannot add volt and second"), most specific first. */
const DIM_NAMES: [string, Dim][] = [
  ['volt', VOLT],
  ['second', SECOND],
  ['amp', AMPERE],
  ['siemens', SIEMENS],
  ['farad', FARAD],
  ['ohm', OHM],
  ['hertz', HERTZ],
  ['coulomb', COULOMB],
  ['metre', METRE],
  ['kilogram', KILOGRAM],
  ['mole', MOLE],
  ['molar', MOLAR],
  ['kelvin', KELVIN],
  ['candela', CANDELA],
  ['newton', NEWTON],
  ['joule', JOULE],
  ['watt', WATT],
];

const BASE_SYMBOLS = ['metre', 'kilogram', 'second', 'amp', 'kelvin', 'mole', 'candela'];

/** A readable name for a dimension: `volt`, `1` (dimensionless), `volt / second`, `metre ** 2`. */
export function dimName(d: Dim): string {
  if (isDimensionless(d)) return '1';
  for (const [name, nd] of DIM_NAMES) if (dimEq(d, nd)) return name;
  const POWERS = [2, 3, -1, -2, 0.5, -0.5, 1.5, -1.5];
  for (const [name, nd] of DIM_NAMES)
    for (const p of POWERS) if (dimEq(d, dimPow(nd, p))) return `${name} ** ${p}`;
  for (const [name, nd] of DIM_NAMES) {
    for (const [name2, nd2] of DIM_NAMES) {
      if (name === name2) continue;
      if (dimEq(d, dimDiv(nd, nd2))) return `${name} / ${name2}`;
      if (name < name2 && dimEq(d, dimMul(nd, nd2))) return `${name} * ${name2}`;
    }
  }
  for (const [name, nd] of DIM_NAMES) {
    for (const [name2, nd2] of DIM_NAMES) {
      if (name === name2) continue;
      for (const p of POWERS) {
        if (p > 0 && dimEq(d, dimDiv(nd, dimPow(nd2, p)))) return `${name} / ${name2} ** ${p}`;
        if (dimEq(d, dimMul(nd, dimPow(nd2, p)))) return `${name} * ${name2} ** ${p}`;
      }
    }
  }
  return d
    .map((x, k) => (x === 0 ? '' : x === 1 ? BASE_SYMBOLS[k] : `${BASE_SYMBOLS[k]} ** ${x}`))
    .filter(Boolean)
    .join(' * ');
}

export interface UnitDef {
  scale: number;
  dim: Dim;
}

const PREFIXES: Record<string, number> = {
  f: 1e-15,
  p: 1e-12,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  c: 1e-2,
  d: 1e-1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
};

/** Base units: long names and short symbols, as Brian 2 spells them. */
const BASE_UNITS: [string[], string[], Dim, number][] = [
  // [long names, short names, dimension, scale of the unprefixed unit]
  [['second'], ['s'], SECOND, 1],
  [['volt'], ['V'], VOLT, 1],
  [['amp', 'ampere'], ['A'], AMPERE, 1],
  [['siemens'], ['S'], SIEMENS, 1],
  [['farad'], ['F'], FARAD, 1],
  [['ohm', 'Ohm'], [], OHM, 1],
  [['hertz'], ['Hz'], HERTZ, 1],
  [['metre', 'meter'], ['m'], METRE, 1],
  [['gram', 'gramme'], ['g'], KILOGRAM, 1e-3],
  [['mole', 'mol'], [], MOLE, 1],
  [['molar'], ['M'], MOLAR, 1e3],
  [['coulomb'], ['C'], COULOMB, 1],
  [['kelvin'], ['K'], KELVIN, 1],
  [['newton'], ['N'], NEWTON, 1],
  [['joule'], ['J'], JOULE, 1],
  [['watt'], ['W'], WATT, 1],
  [['candela'], ['cd'], CANDELA, 1],
];

function buildUnitTable(): Map<string, UnitDef> {
  const table = new Map<string, UnitDef>();
  for (const [longs, shorts, dim, scale] of BASE_UNITS) {
    for (const name of [...longs, ...shorts]) {
      table.set(name, { scale, dim });
      for (const [p, f] of Object.entries(PREFIXES)) {
        const pre = p === 'u' ? ['u', 'µ', 'μ'] : [p];
        for (const pp of pre) if (!table.has(pp + name)) table.set(pp + name, { scale: scale * f, dim });
      }
    }
  }
  // Brian 2 also knows `kilogram` directly, `Mohm`/`kohm`/`Gohm` via prefixes above, litre.
  table.set('kilogram', { scale: 1, dim: KILOGRAM });
  table.set('kg', { scale: 1, dim: KILOGRAM });
  table.set('litre', { scale: 1e-3, dim: dimPow(METRE, 3) });
  table.set('liter', { scale: 1e-3, dim: dimPow(METRE, 3) });
  table.set('l', { scale: 1e-3, dim: dimPow(METRE, 3) });
  // Squared/cubed shorthands Brian exports (`um2`, `cm2`, `metre2`, `msecond2`, …).
  for (const [name, def] of [...table]) {
    if (/^[A-Za-zµμ]+$/.test(name) && !name.endsWith('2') && !name.endsWith('3')) {
      if (!table.has(name + '2')) table.set(name + '2', { scale: def.scale ** 2, dim: dimPow(def.dim, 2) });
      if (!table.has(name + '3')) table.set(name + '3', { scale: def.scale ** 3, dim: dimPow(def.dim, 3) });
    }
  }
  // Bare short names that are too easy to clash with user variables stay out of the table:
  // Brian 2 does export them, and users do write `C`, `g`, `l`, `K`, `N`, `W`, `J`; shadowing wins.
  return table;
}

export const UNITS: ReadonlyMap<string, UnitDef> = buildUnitTable();

/** The "unit" part of an equation (`volt`, `1`, `second**-0.5`, `boolean`, `integer`). */
export const BOOLEAN_TYPE = 'boolean';
export const INTEGER_TYPE = 'integer';
