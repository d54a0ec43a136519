/**
 * Finds where a JSON text first goes wrong. Run only after JSON.parse has refused a body, because
 * V8's messages carry a position for some mistakes and not for others ("Unexpected token '}', …
 * is not valid JSON"); this scanner follows RFC 8259 and always can.
 */

export interface JsonSyntaxError {
  /** Offset of the offending character (the text's length for a premature end). */
  position: number;
  message: string;
}

/** Unwinds the recursive descent to the first mistake. */
class Stop extends Error {
  constructor(
    readonly position: number,
    message: string,
  ) {
    super(message);
  }
}

const describeChar = (text: string, p: number) =>
  p >= text.length ? 'end of input' : JSON.stringify(text[p]);

/** The first syntax error of `text`, or undefined when it is valid JSON (or nests too deep to scan). */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let p = 0;
  const n = text.length;
  const fail = (message: string): never => {
    throw new Stop(p, message);
  };
  const unexpected = (): never => fail(`unexpected ${describeChar(text, p)}`);
  const ws = () => {
    while (p < n && (text[p] === ' ' || text[p] === '\t' || text[p] === '\n' || text[p] === '\r')) p++;
  };
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++, p++)
      if (text[p] !== word[k]) fail(`unexpected ${describeChar(text, p)} (expected ${word})`);
  };
  const digits = () => {
    const start = p;
    while (p < n && text[p]! >= '0' && text[p]! <= '9') p++;
    if (p === start) fail(`unexpected ${describeChar(text, p)} in a number (expected a digit)`);
  };
  const number = () => {
    if (text[p] === '-') p++;
    if (text[p] === '0') p++;
    else digits();
    if (text[p] === '.') {
      p++;
      digits();
    }
    if (text[p] === 'e' || text[p] === 'E') {
      p++;
      if (text[p] === '+' || text[p] === '-') p++;
      digits();
    }
  };
  const string = () => {
    p++;
    for (;;) {
      if (p >= n) fail('unterminated string');
      const c = text.charCodeAt(p);
      if (c === 0x22) {
        p++;
        return;
      }
      if (c < 0x20) fail('control character in a string (escape it, e.g. \\n)');
      if (c === 0x5c) {
        p++;
        const e = text[p];
        if (e === 'u') {
          p++;
          for (let k = 0; k < 4; k++, p++)
            if (!/[0-9a-fA-F]/.test(text[p] ?? '')) fail('bad \\u escape in a string');
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) p++;
        else fail(`bad escape ${e === undefined ? '' : `"\\${e}" `}in a string`);
      } else p++;
    }
  };
  const value = (): void => {
    ws();
    const c = text[p];
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    return unexpected();
  };
  const object = () => {
    p++;
    ws();
    if (text[p] === '}') {
      p++;
      return;
    }
    for (;;) {
      ws();
      if (text[p] !== '"')
        fail(`unexpected ${describeChar(text, p)} (expected a property name in double quotes)`);
      string();
      ws();
      if (text[p] !== ':') fail(`unexpected ${describeChar(text, p)} (expected ":" after the property name)`);
      p++;
      value();
      ws();
      if (text[p] === ',') {
        p++;
        continue;
      }
      if (text[p] === '}') {
        p++;
        return;
      }
      fail(`unexpected ${describeChar(text, p)} (expected "," or "}")`);
    }
  };
  const array = () => {
    p++;
    ws();
    if (text[p] === ']') {
      p++;
      return;
    }
    for (;;) {
      value();
      ws();
      if (text[p] === ',') {
        p++;
        continue;
      }
      if (text[p] === ']') {
        p++;
        return;
      }
      fail(`unexpected ${describeChar(text, p)} (expected "," or "]")`);
    }
  };
  try {
    value();
    ws();
    if (p < n) fail(`unexpected ${describeChar(text, p)} after the end of the JSON value`);
    return undefined;
  } catch (err) {
    if (err instanceof Stop) return { position: err.position, message: err.message };
    if (err instanceof RangeError) return undefined;
    throw err;
  }
}
