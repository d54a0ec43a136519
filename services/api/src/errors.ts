/**
 * Every error the API sends, in one table: a stable code, its HTTP status and a default message.
 * Routes throw `apiError(code, …)`; one error handler turns it (and Fastify's own errors) into the
 * envelope `{error: {code, message, details?}}`.
 */

export const ERRORS = {
  invalid_json: { status: 400, message: 'the request body is not valid JSON' },
  invalid_request: { status: 400, message: 'the request is malformed' },
  invalid_spec: { status: 400, message: 'the network spec has errors' },
  unknown_monitor: { status: 400, message: 'no such monitor in this simulation' },
  unauthorized: { status: 401, message: 'a valid API key is required: send "Authorization: Bearer <key>"' },
  not_found: { status: 404, message: 'no such simulation' },
  route_not_found: { status: 404, message: 'no such route' },
  not_ready: { status: 409, message: 'the simulation has not completed' },
  results_expired: { status: 410, message: 'the results of this simulation have expired' },
  payload_too_large: { status: 413, message: 'the request body is too large' },
  unsupported_media_type: {
    status: 415,
    message: 'send the body as JSON with "Content-Type: application/json"',
  },
  limit_exceeded: { status: 422, message: 'the network exceeds the service limits' },
  upgrade_required: { status: 426, message: 'this endpoint is a WebSocket: connect with a WebSocket client' },
  rate_limited: { status: 429, message: 'too many requests' },
  too_many_active_jobs: { status: 429, message: 'too many queued or running simulations for this key' },
  internal: { status: 500, message: 'internal error' },
  unavailable: { status: 503, message: 'the service is not ready' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string = ERRORS[code].message,
    readonly details?: unknown,
    /** Response headers that belong to this error, e.g. `Retry-After`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.statusCode = ERRORS[code].status;
  }

  toEnvelope(): ErrorEnvelope {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

/** The one way routes make errors. */
export function apiError(
  code: ErrorCode,
  message?: string,
  details?: unknown,
  headers?: Record<string, string>,
): ApiError {
  return new ApiError(code, message, details, headers);
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}
