import { it } from 'vitest';
import { dimName, UNITS, dimPow, dimMul, dimDiv, SECOND, METRE, AMPERE, VOLT_DIM, KILOGRAM } from './units.js';
it('scratch', () => {
  const d = (n: string) => UNITS.get(n)!.dim;
  const cases: [string, any][] = [['v/s', dimDiv(VOLT_DIM, SECOND)], ['m2', dimPow(METRE, 2)], ['s-0.5', dimPow(SECOND, -0.5)], ['v2', dimPow(VOLT_DIM, 2)], ['S/m2', dimDiv(d('siemens'), dimPow(METRE, 2))], ['A/m2', dimDiv(AMPERE, dimPow(METRE,2))], ['F/m2', dimDiv(d('farad'), dimPow(METRE,2))], ['1/V', dimPow(VOLT_DIM,-1)], ['V*s^-0.5', dimMul(VOLT_DIM, dimPow(SECOND,-0.5))], ['kg', KILOGRAM], ['s2', dimPow(SECOND,2)], ['Hz', d('Hz')], ['molar', d('molar')], ['ohm*m', dimMul(d('ohm'), METRE)], ['A/s', dimDiv(AMPERE, SECOND)], ['V/A', dimDiv(VOLT_DIM, AMPERE)], ['s/V', dimDiv(SECOND, VOLT_DIM)] ];
  for (const [n, x] of cases) console.log(n, '=>', dimName(x));
  console.log(UNITS.size, ['Ohm','MOhm','kOhm','Mohm','mM','uM','M','kg','g','mg','ms','msecond2','um2','mmolar','mmole','mmol','umol','dm','cm','fF'].map(n => n + ':' + JSON.stringify(UNITS.get(n))).join('\n'));
});
