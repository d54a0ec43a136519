/**
 * The JSON body parser: Fastify's own (prototype-poisoning safe), with parse errors turned into
 * `invalid_json` carrying the position, line and column of the mistake.
 */
import type { FastifyInstance } from 'fastify';
import { apiError } from './errors.js';

export interface JsonPosition {
  position: number;
  line: number;
  column: number;
}

/** 1-based line and column of a character offset. */
export function locate(text: string, position: number): JsonPosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(position, text.length);
  for (let k = 0; k < end; k++) {
    if (text.charCodeAt(k) === 10) {
      line++;
      lineStart = k + 1;
    }
  }
  return { position, line, column: end - lineStart + 1 };
}

/** Where V8's JSON.parse message says it stopped; the end of the text for "Unexpected end". */
function errorPosition(message: string, text: string): number | undefined {
  const match = /at position (\d+)/.exec(message);
  if (match) return Number(match[1]);
  if (/end of JSON input/i.test(message)) return text.length;
  return undefined;
}

export function installJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  // Only JSON is accepted: a text/plain body gets 415 rather than being read as a string spec.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(apiError('invalid_json', 'the request body is empty: send the network spec as JSON'), undefined);
      return;
    }
    void parse(request, text, (err, value) => {
      if (err === null) {
        done(null, value);
        return;
      }
      // Fastify's error names no position; JSON.parse's does. Parse again only to locate the mistake
      // (on this error path only); when it parses, the refusal was a forbidden __proto__/constructor key.
      let reason = 'it uses a forbidden key (__proto__ or constructor.prototype)';
      try {
        JSON.parse(text);
      } catch (syntax) {
        reason = syntax instanceof Error ? syntax.message : String(syntax);
      }
      const position = errorPosition(reason, text);
      const where = position === undefined ? undefined : locate(text, position);
      const cleaned = reason
        .replace(/\s*in JSON at position \d+.*$/, '')
        .replace(/^Unexpected end of JSON input$/, 'unexpected end of input');
      done(
        apiError(
          'invalid_json',
          where === undefined
            ? `the request body is not valid JSON: ${cleaned}`
            : `the request body is not valid JSON: ${cleaned} at line ${where.line}, column ${where.column}`,
          where,
        ),
        undefined,
      );
    });
  });
}
