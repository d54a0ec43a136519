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
  app.removeContentTypeParser('application/json');
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
      const position = errorPosition(err.message, text);
      const where = position === undefined ? undefined : locate(text, position);
      const cleaned = err.message.replace(/\s*in JSON at position \d+.*$/, '').replace(/^Unexpected end of JSON input$/, 'unexpected end of input');
      done(
        apiError(
          'invalid_json',
          where === undefined ? `the request body is not valid JSON: ${cleaned}` : `the request body is not valid JSON: ${cleaned} at line ${where.line}, column ${where.column}`,
          where,
        ),
        undefined,
      );
    });
  });
}
