/**
 * The JSON body parser: Fastify's own (prototype-poisoning safe), with parse errors turned into
 * `invalid_json` carrying the position, line and column of the mistake.
 */
import type { FastifyInstance } from 'fastify';
import { apiError, ERRORS } from './errors.js';
import { findJsonSyntaxError } from '@volley/spec';

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
      // Fastify's error names no position, and V8's names one only for some mistakes: scan for it
      // (on this error path only). A text that scans clean was refused for a forbidden key.
      const syntax = findJsonSyntaxError(text);
      if (syntax === undefined) {
        const forbidden = /"(__proto__|constructor)"/.test(text);
        done(
          apiError(
            'invalid_json',
            forbidden
              ? 'the request body is not valid JSON: it uses a forbidden key (__proto__ or constructor.prototype)'
              : ERRORS.invalid_json.message,
          ),
          undefined,
        );
        return;
      }
      const where = locate(text, syntax.position);
      done(
        apiError(
          'invalid_json',
          `the request body is not valid JSON: ${syntax.message} at line ${where.line}, column ${where.column}`,
          where,
        ),
        undefined,
      );
    });
  });
}
