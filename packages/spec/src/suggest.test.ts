import { describe, expect, it } from 'vitest';
import { closestName, didYouMean } from './index.js';
import { editDistance } from './suggest.js';

describe('suggestions', () => {
  it('counts edits, a transposition as one', () => {
    expect(editDistance('tau', 'tau')).toBe(0);
    expect(editDistance('treshold', 'threshold')).toBe(1);
    expect(editDistance('recrod', 'record')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggests the closest plausible name', () => {
    expect(closestName('taum', ['tau', 'taue', 'El'])).toBe('tau');
    expect(closestName('VT', ['vt', 'Vr'])).toBe('vt');
    expect(closestName('x', ['y'])).toBe('y');
    expect(closestName('voltage', ['spikes', 'state', 'rate'])).toBeUndefined();
    expect(closestName('tau', ['tau'])).toBeUndefined();
  });

  it('phrases a note', () => {
    expect(didYouMean('onpre', ['on_pre', 'on_post'])).toEqual(['did you mean "on_pre"?']);
    expect(didYouMean('zzz', ['on_pre'])).toEqual([]);
  });
});
