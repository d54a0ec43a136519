import { it } from 'vitest';
import { parseExpression, parseStatements, parseEquations, ParseError } from './parser.js';
import { show } from './ast.js';
import { compile, run } from './index.js';
it('scratch', () => {
  for (const s of ['-x**2', '2**-1', 'a < b < c', 'not a and b or c', 'a // b % c', 'f(x, y+1)', '1.', '.5', '1e-3', '-2**2', 'a**b**c', '(a+b)*c', 'True', 'x if y', '1.5.3', 'a +', '(a', 'a b', '3x', 'a $ b', '']) {
    try { const e = parseExpression(s); console.log(JSON.stringify(s), '=>', show(e), e.pos, e.end); } catch (e) { if (e instanceof ParseError) console.log(JSON.stringify(s), 'ERR', e.message, e.pos, e.length); else throw e; }
  }
  console.log(JSON.stringify(parseStatements('x += e; y = 2 # c\nz -= 1')));
  console.log(JSON.stringify(parseEquations('dv/dt = (I-v)/tau : volt (unless refractory)\nI = g*(E-v) : amp\ntau : second (constant, shared)\ng : siemens/meter**2\ndx/dt = xi*second**-0.5 : 1\nb : boolean')));
  const r = compile({ version: 1, duration: '1*ms', groups: { G: { type: 'neurons', N: 1, model: 'dv/dt = (v + 1*ms)/tau : volt' } }, constants: { tau: '10*ms' } });
  console.log(JSON.stringify(r));
});
