// JSON with source positions, for pointing at mistakes inside the editor's text.
//
// `locateJson(text)` parses strictly and returns either a tree of nodes with their source ranges,
// or the first syntax error with its offset. `rangeOf(tree, diagnostic)` turns a spec diagnostic
// (dotted path, and line/column inside an equation string) into a range of the JSON text.

/**
 * @typedef {{kind: 'object', start: number, end: number, keys: Map<string, {keyStart: number, node: JsonNode}>}
 *   | {kind: 'array', start: number, end: number, items: JsonNode[]}
 *   | {kind: 'string', start: number, end: number, value: string}
 *   | {kind: 'scalar', start: number, end: number}} JsonNode
 */

class SyntaxStop extends Error {
  constructor(offset, message) {
    super(message);
    this.offset = offset;
  }
}

function describe(text, k) {
  if (k >= text.length) return 'end of input';
  const code = text.charCodeAt(k);
  if (code < 32) return `control character U+${code.toString(16).padStart(4, '0')}`;
  return `'${text[k]}'`;
}

/**
 * @param {string} text
 * @returns {{ok: true, value: unknown, tree: JsonNode} | {ok: false, offset: number, message: string}}
 */
export function locateJson(text) {
  let k = 0;
  const fail = (message, at = k) => {
    throw new SyntaxStop(at, message);
  };
  const ws = () => {
    while (k < text.length) {
      const c = text.charCodeAt(k);
      if (c === 32 || c === 9 || c === 10 || c === 13) k++;
      else break;
    }
  };
  const string = () => {
    const start = k;
    k++;
    for (;;) {
      if (k >= text.length) fail('unterminated string', start);
      const c = text.charCodeAt(k);
      if (c === 34) {
        k++;
        return { kind: 'string', start, end: k, value: JSON.parse(text.slice(start, k)) };
      }
      if (c < 32) fail(`${describe(text, k)} inside a string (write it as an escape such as \\n)`);
      if (c === 92) {
        const e = text[k + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(k + 2, k + 6)))
            fail('bad \\u escape: expected 4 hex digits');
          k += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          k += 2;
        } else {
          fail(`bad escape '\\${e ?? ''}' in a string`);
        }
      } else {
        k++;
      }
    }
  };
  const value = () => {
    ws();
    const start = k;
    const c = text[k];
    if (c === undefined) fail('unexpected end of input: expected a value');
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(k, k + 400));
    if (m !== null && m[0] !== '' && m[0] !== '-') {
      k += m[0].length;
      return { kind: 'scalar', start, end: k };
    }
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, k)) {
        k += lit.length;
        return { kind: 'scalar', start, end: k };
      }
    }
    if (c === "'") fail('strings must use double quotes');
    return fail(`unexpected ${describe(text, k)}: expected a value`);
  };
  const object = () => {
    const start = k;
    const keys = new Map();
    k++;
    ws();
    if (text[k] === '}') {
      k++;
      return { kind: 'object', start, end: k, keys };
    }
    for (;;) {
      ws();
      if (text[k] !== '"') {
        if (text[k] === '}') fail("trailing comma before '}'");
        fail(`unexpected ${describe(text, k)}: expected a property name in double quotes`);
      }
      const key = string();
      ws();
      if (text[k] !== ':') fail(`unexpected ${describe(text, k)}: expected ':' after the property name`);
      k++;
      const node = value();
      keys.set(key.value, { keyStart: key.start, node });
      ws();
      if (text[k] === ',') {
        k++;
        continue;
      }
      if (text[k] === '}') {
        k++;
        return { kind: 'object', start, end: k, keys };
      }
      fail(`unexpected ${describe(text, k)}: expected ',' or '}' after a property value`);
    }
  };
  const array = () => {
    const start = k;
    const items = [];
    k++;
    ws();
    if (text[k] === ']') {
      k++;
      return { kind: 'array', start, end: k, items };
    }
    for (;;) {
      ws();
      if (text[k] === ']') fail("trailing comma before ']'");
      items.push(value());
      ws();
      if (text[k] === ',') {
        k++;
        continue;
      }
      if (text[k] === ']') {
        k++;
        return { kind: 'array', start, end: k, items };
      }
      fail(`unexpected ${describe(text, k)}: expected ',' or ']' after an array element`);
    }
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) k = 1;
    const tree = value();
    ws();
    if (k < text.length) fail(`unexpected ${describe(text, k)} after the end of the JSON document`);
    return { ok: true, value: JSON.parse(text), tree };
  } catch (e) {
    if (e instanceof SyntaxStop) return { ok: false, offset: e.offset, message: e.message };
    throw e;
  }
}

/** 1-based line and column of an offset. */
export function lineColumn(text, offset) {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text.charCodeAt(k) === 10) {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Source offset of each decoded character of a JSON string literal (plus one past the end). */
function decodedOffsets(text, node) {
  const offsets = [];
  let k = node.start + 1;
  const end = node.end - 1;
  while (k < end) {
    offsets.push(k);
    k += text[k] === '\\' ? (text[k + 1] === 'u' ? 6 : 2) : 1;
  }
  offsets.push(end);
  return offsets;
}

/** The node at a dotted path, and the deepest existing ancestor when the path is missing. */
export function nodeAt(tree, path) {
  const keys = path === '' ? [] : path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let node = tree;
  for (const key of keys) {
    let next;
    if (node.kind === 'object') next = node.keys.get(key)?.node;
    else if (node.kind === 'array') next = node.items[Number(key)];
    if (next === undefined) return { node, exact: false };
    node = next;
  }
  return { node, exact: true };
}

/**
 * The source range a diagnostic points at: inside the string for line/column diagnostics, the
 * whole value otherwise, and the opening brace of the parent when the field is missing.
 * @returns {{start: number, end: number}}
 */
export function rangeOf(text, tree, diagnostic) {
  const { node, exact } = nodeAt(tree, diagnostic.path ?? '');
  if (!exact) return { start: node.start, end: node.start + 1 };
  if (node.kind === 'string' && diagnostic.line !== undefined) {
    const lines = node.value.split('\n');
    let index = 0;
    for (let l = 0; l < diagnostic.line - 1 && l < lines.length; l++) index += lines[l].length + 1;
    index += Math.max(0, (diagnostic.column ?? 1) - 1);
    const offsets = decodedOffsets(text, node);
    const last = offsets.length - 1;
    const from = Math.min(index, last);
    const to = Math.min(index + Math.max(1, diagnostic.length ?? 1), last);
    const start = offsets[from];
    const end = to > from ? offsets[to] : start + 1;
    return { start, end };
  }
  return { start: node.start, end: node.end };
}
