import { describe, expect, it } from 'vitest';
import { findSyntaxError, parseJson, splitPath, valueAt } from './json-source.js';

describe('parseJson', () => {
  it.each([
    ['{"a": 1,}', 8, "trailing comma before '}'"],
    ['{"a": [1, 2,]}', 12, "trailing comma before ']'"],
    ['{\n  "dt": 0.1*ms\n}', 13, "unexpected '*': expected ',' or '}' after a property value"],
    ["{'a': 1}", 1, "unexpected ''': expected a property name in double quotes"],
    ['{"a": "x', 6, 'unterminated string'],
    ['{"a": 1', 7, "unexpected end of input: expected ',' or '}' after a property value"],
    ['{"a": 1} x', 9, "unexpected 'x' after the end of the JSON document"],
    ['', 0, 'unexpected end of input: expected a value'],
    ['{"a": tru}', 6, "unexpected 't': expected a value"],
    ['{"a": "\\q"}', 7, "bad escape '\\q' in a string"],
  ])('%j fails at offset %i', (text, offset, message) => {
    const found = findSyntaxError(text);
    expect(found).toEqual({ offset, message });
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
