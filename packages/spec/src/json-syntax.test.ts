import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError } from './json-syntax.js';

describe('findJsonSyntaxError', () => {
  it.each([
    '{}',
    '[]',
    ' {"a": [1, -2.5e-3, 0, true, false, null, "x\\n\\u00e9\\"", {"b": {}}]} ',
    '"just a string"',
    '-0.0E+12',
  ])('finds nothing wrong in %s', (text) => {
    expect(() => JSON.parse(text) as unknown).not.toThrow();
    expect(findJsonSyntaxError(text)).toBeUndefined();
  });

  it.each([
    ['{"version": 1,\n "duration": }', 28, 'unexpected "}"'],
    ['{"a":1,,}', 7, 'expected a property name'],
    ['[1,2', 4, 'unexpected end of input (expected "," or "]")'],
    ['{"a" 1}', 5, 'expected ":"'],
    ['{"a":"x\ny"}', 7, 'control character'],
    ['tru', 3, 'expected true'],
    ['{"a":1}x', 7, 'after the end'],
    ['"abc', 4, 'unterminated string'],
    ['{"a": 01}', 7, 'expected "," or "}"'],
    ['{"a": 1.}', 8, 'expected a digit'],
    ['{"a": "\\x"}', 8, 'bad escape'],
    ["{'a': 1}", 1, 'double quotes'],
    ['', 0, 'unexpected end of input'],
  ])('locates the mistake in %j', (text, position, message) => {
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
    const found = findJsonSyntaxError(text);
    expect(found?.position).toBe(position);
    expect(found?.message).toContain(message);
    // Where V8 names a position, it is the same one.
    try {
      JSON.parse(text);
    } catch (err) {
      const v8 = /at position (\d+)/.exec((err as Error).message);
      if (v8 !== null) expect(Number(v8[1])).toBe(position);
    }
  });
});
