/**
 * Reading a spec file: JSON with a precise position when it is not JSON (V8's messages do not
 * always carry one), and lookup of the string a diagnostic's dotted path points at.
 */

export interface SourcePosition {
  /** 0-based offset, 1-based line and column. */
  offset: number;
  line: number;
  column: number;
}

export type ParsedJson =
  { ok: true; value: unknown } | { ok: false; message: string; position: SourcePosition };

export function positionOf(text: string, offset: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text.charCodeAt(k) === 10) {
      line++;
      lineStart = k + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

/** The text of the given 1-based line (without its line break). */
export function lineOf(text: string, line: number): string {
  return text.split(/\r?\n/)[line - 1] ?? '';
}

export function parseJson(text: string): ParsedJson {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const found = findSyntaxError(text);
    const fallback = err instanceof Error ? err.message : String(err);
    if (found === undefined) return { ok: false, message: fallback, position: positionOf(text, 0) };
    return { ok: false, message: found.message, position: positionOf(text, found.offset) };
  }
}

function describe(text: string, k: number): string {
  if (k >= text.length) return 'end of input';
  const ch = text[k] as string;
  const code = ch.charCodeAt(0);
  if (code < 32) return `control character U+${code.toString(16).padStart(4, '0')}`;
  return `'${ch}'`;
}

/**
 * A strict JSON scanner that stops at the first error and says where and what it expected.
 * Only called after `JSON.parse` failed, so its speed does not matter much.
 */
export function findSyntaxError(text: string): { offset: number; message: string } | undefined {
  let k = 0;
  class Stop extends Error {
    constructor(
      readonly offset: number,
      message: string,
    ) {
      super(message);
    }
  }
  const fail = (message: string, at = k): never => {
    throw new Stop(at, message);
  };
  const ws = () => {
    while (k < text.length && ' \t\n\r'.includes(text[k] as string)) k++;
  };
  const string = () => {
    const start = k;
    k++; // opening quote
    for (;;) {
      if (k >= text.length) fail('unterminated string', start);
      const c = text.charCodeAt(k);
      if (c === 34) {
        k++;
        return;
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
  const number = () => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(k));
    if (m === null || m[0] === '' || m[0] === '-') fail(`unexpected ${describe(text, k)}: expected a value`);
    k += (m as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    ws();
    const c = text[k];
    if (c === undefined) fail('unexpected end of input: expected a value');
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, k)) {
        k += lit.length;
        return;
      }
    }
    if (c === "'") fail('strings must use double quotes');
    fail(`unexpected ${describe(text, k)}: expected a value`);
  };
  const object = () => {
    k++;
    ws();
    if (text[k] === '}') {
      k++;
      return;
    }
    for (;;) {
      ws();
      if (text[k] !== '"') {
        if (text[k] === '}') fail("trailing comma before '}'");
        fail(`unexpected ${describe(text, k)}: expected a property name in double quotes`);
      }
      string();
      ws();
      if (text[k] !== ':') fail(`unexpected ${describe(text, k)}: expected ':' after the property name`);
      k++;
      value();
      ws();
      if (text[k] === ',') {
        k++;
        continue;
      }
      if (text[k] === '}') {
        k++;
        return;
      }
      fail(`unexpected ${describe(text, k)}: expected ',' or '}' after a property value`);
    }
  };
  const array = () => {
    k++;
    ws();
    if (text[k] === ']') {
      k++;
      return;
    }
    for (;;) {
      ws();
      if (text[k] === ']') fail("trailing comma before ']'");
      value();
      ws();
      if (text[k] === ',') {
        k++;
        continue;
      }
      if (text[k] === ']') {
        k++;
        return;
      }
      fail(`unexpected ${describe(text, k)}: expected ',' or ']' after an array element`);
    }
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) k = 1;
    value();
    ws();
    if (k < text.length) fail(`unexpected ${describe(text, k)} after the end of the JSON document`);
    return undefined;
  } catch (e) {
    if (e instanceof Stop) return { offset: e.offset, message: e.message };
    throw e;
  }
}

/** Splits a diagnostic path (`groups.G.model`, `synapses.S.connect[1].p`, `a/b/c`) into keys. */
export function splitPath(path: string): string[] {
  const trimmed = path.replace(/^[$/.]+/, '');
  if (trimmed === '') return [];
  return trimmed
    .replace(/\[(\d+)\]/g, '.$1')
    .split(/[./]/)
    .filter((p) => p !== '');
}

/** The value at a diagnostic path inside the parsed spec, if there is one. */
export function valueAt(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const key of splitPath(path)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
