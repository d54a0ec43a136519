import { describe, expect, it } from 'vitest';
import { findSyntaxError, parseJson, splitPath, valueAt } from './json-source.js';

describe('parseJson', () => {
  it.each([
    ['{"a": 1,}', 8, 'expected a property name in double quotes'],
    ['{"a": [1, 2,]}', 12, 'unexpected "]"'],
    ['{\n  "dt": 0.1*ms\n}', 13, 'unexpected "*" (expected "," or "}")'],
    ["{'a': 1}", 1, 'expected a property name in double quotes'],
    ['{"a": "x', 8, 'unterminated string'],
    ['{"a": 1', 7, 'unexpected end of input (expected "," or "}")'],
    ['{"a": 1} x', 9, 'after the end of the JSON value'],
    ['', 0, 'unexpected end of input'],
    ['{"a": tru}', 9, 'expected true'],
    ['{"a": "\\q"}', 8, 'bad escape'],
  ])('%j fails at offset %i', (text, offset, message) => {
    const found = findSyntaxError(text);
    expect(found?.offset).toBe(offset);
    expect(found?.message).toContain(message);
    const parsed = parseJson(text);
    expect(parsed.ok).toBe(false);
  });

  it('finds nothing wrong with valid JSON, and reports lines and columns', () => {
    expect(findSyntaxError('{"a": [1, -2.5e3, true, null, "\\u00e9"]}')).toBeUndefined();
    const parsed = parseJson('{\n  "a": 1,\n  "b": ]\n}');
    expect(parsed).toMatchObject({ ok: false, position: { line: 3, column: 8 } });
  });
});

describe('diagnostic paths', () => {
  it('splits dotted and bracketed paths and finds the value', () => {
    expect(splitPath('groups.G.model')).toEqual(['groups', 'G', 'model']);
    expect(splitPath('synapses.S.connect[1].p')).toEqual(['synapses', 'S', 'connect', '1', 'p']);
    expect(splitPath('')).toEqual([]);
    const spec = { synapses: { S: { connect: [{}, { condition: 'i != j' }] } } };
    expect(valueAt(spec, 'synapses.S.connect.1.condition')).toBe('i != j');
    expect(valueAt(spec, 'synapses.T.model')).toBeUndefined();
  });
});
