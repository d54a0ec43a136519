/**
 * API keys. With keys configured every /v1 request needs `Authorization: Bearer <key>` (the
 * stream route also takes `?key=`, because browsers cannot set headers on a WebSocket); the key's
 * id becomes `request.owner`, which scopes every job lookup. Without keys the service runs in
 * open local mode and everyone is `anonymous`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ApiKey } from './config.js';
import { apiError } from './errors.js';

export const ANONYMOUS = 'anonymous';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller: an API key id, or `anonymous` in open mode. Set by the auth hook on /v1 routes. */
    owner: string;
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest();

export interface Authenticator {
  readonly open: boolean;
  /** The key id of a presented secret, or undefined. */
  identify(secret: string): string | undefined;
}

export function createAuthenticator(keys: readonly ApiKey[]): Authenticator {
  // Compare digests, not secrets: equal length, constant time, and no early exit on a prefix.
  const table = keys.map((key) => ({ id: key.id, digest: digest(key.secret) }));
  return {
    open: keys.length === 0,
    identify(secret) {
      const presented = digest(secret);
      let found: string | undefined;
      for (const entry of table) if (timingSafeEqual(entry.digest, presented)) found = entry.id;
      return found;
    },
  };
}

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** The secret a request presents: the bearer token, or `?key=` where `allowQueryKey`. */
export function presentedSecret(request: FastifyRequest, allowQueryKey: boolean): string | undefined {
  const fromHeader = bearerToken(request.headers.authorization);
  if (fromHeader !== undefined) return fromHeader;
  if (!allowQueryKey) return undefined;
  const key = (request.query as Record<string, unknown> | undefined)?.key;
  return typeof key === 'string' && key !== '' ? key : undefined;
}

/** Resolves `request.owner`, or throws `unauthorized`. */
export function authenticate(auth: Authenticator, request: FastifyRequest, allowQueryKey: boolean): void {
  if (auth.open) {
    request.owner = ANONYMOUS;
    return;
  }
  const secret = presentedSecret(request, allowQueryKey);
  const id = secret === undefined ? undefined : auth.identify(secret);
  if (id === undefined) {
    throw apiError('unauthorized', secret === undefined ? undefined : 'the API key is not valid', undefined, {
      'www-authenticate': 'Bearer realm="volley"',
    });
  }
  request.owner = id;
}
