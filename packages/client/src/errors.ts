/**
 * Errors the SDK hands to its callers. The API answers every failure with one envelope,
 * `{error: {code, message, details?}}`; the SDK turns it back into a `VolleyError` with the HTTP
 * status, so callers branch on `code` and never parse bodies themselves.
 */
import type { Diagnostic } from '@volley/spec';

/** Codes the SDK makes itself, when there is no server answer to re-hydrate. */
export const ClientErrorCode = {
  /** The server could not be reached (DNS, refused, reset). */
  network: 'network_error',
  /** The server answered, but not with the JSON we expected. */
  badResponse: 'bad_response',
  /** The live stream kept failing after every reconnection attempt. */
  streamFailed: 'stream_failed',
  /** The caller aborted the request or the stream. */
  aborted: 'aborted',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

export interface ErrorEnvelope {
  error: { code: string; message: string; details?: unknown };
}

export interface VolleyErrorInit {
  /** HTTP status; 0 when no HTTP answer was received. */
  status: number;
  code: string;
  message: string;
  details?: unknown;
  /** Seconds to wait before retrying, from a `Retry-After` header. */
  retryAfter?: number;
  cause?: unknown;
}

export class VolleyError extends Error {
  override readonly name = 'VolleyError';
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly retryAfter: number | undefined;

  constructor(init: VolleyErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.retryAfter = init.retryAfter;
  }

  /** The spec diagnostics of an `invalid_spec` error (`details.diagnostics`), if any. */
  get diagnostics(): Diagnostic[] | undefined {
    const d = this.details;
    if (d !== null && typeof d === 'object' && 'diagnostics' in d && Array.isArray(d.diagnostics)) {
      return d.diagnostics as Diagnostic[];
    }
    return undefined;
  }

  /** Whether retrying the same request later may succeed (rate limits, unavailability, network). */
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export function isErrorEnvelope(value: unknown): value is ErrorEnvelope {
  if (value === null || typeof value !== 'object' || !('error' in value)) return false;
  const e = value.error;
  return (
    e !== null &&
    typeof e === 'object' &&
    'code' in e &&
    typeof e.code === 'string' &&
    'message' in e &&
    typeof e.message === 'string'
  );
}

/** Parses a `Retry-After` header (seconds or an HTTP date) into seconds. */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/** Builds the error for a non-2xx answer, from its body when it is an envelope. */
export function errorFromBody(
  status: number,
  statusText: string,
  body: string,
  retryAfter: number | undefined,
): VolleyError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const extra = retryAfter === undefined ? {} : { retryAfter };
  if (isErrorEnvelope(parsed)) {
    const { code, message, details } = parsed.error;
    return new VolleyError({
      status,
      code,
      message,
      ...(details === undefined ? {} : { details }),
      ...extra,
    });
  }
  const text = body.trim().slice(0, 200);
  return new VolleyError({
    status,
    code: status === 404 ? 'not_found' : `http_${status}`,
    message: text === '' ? `HTTP ${status} ${statusText}`.trim() : `HTTP ${status}: ${text}`,
    ...extra,
  });
}

export async function errorFromResponse(res: Response): Promise<VolleyError> {
  let body = '';
  try {
    body = await res.text();
  } catch {
    // The body is only used to enrich the message; the status alone still says what happened.
  }
  return errorFromBody(res.status, res.statusText, body, parseRetryAfter(res.headers.get('retry-after')));
}
