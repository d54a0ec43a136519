/**
 * The typed SDK of the Volley API. One method per route; failures come back as `VolleyError`
 * (status, code, message, details) re-hydrated from the API's error envelope; the live stream is an
 * async iterable that reconnects and resumes by itself.
 *
 * Runs anywhere with `fetch` (Node ≥ 20, browsers); the stream uses `ws` in Node and the
 * platform's WebSocket elsewhere.
 */
import { ClientErrorCode, VolleyError, errorFromResponse } from './errors.js';
import { defaultOpener, whatwgOpener, type SocketOpener, type WebSocketConstructorLike } from './socket.js';
import { resumableStream, type StreamOptions } from './stream.js';
import type { NetworkSize, Results, Simulation, SimulationList, StreamMessage, Validation } from './types.js';

export interface VolleyClientOptions {
  /** Base URL of the API, e.g. `http://localhost:3000` (a path prefix is kept). */
  server: string;
  /** API key, sent as `Authorization: Bearer KEY` (and as `?key=` on browser WebSockets). */
  key?: string;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof globalThis.fetch;
  /** A WHATWG-style WebSocket constructor to use instead of `ws` (Node) or the global one. */
  WebSocket?: WebSocketConstructorLike;
  /** How many times a request refused with 429/503 is retried after its `Retry-After` (default 2). */
  maxRetries?: number;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface ListOptions extends RequestOptions {
  limit?: number;
  cursor?: string;
}

export interface ResultsOptions extends RequestOptions {
  /** Only these monitors (the API's `?monitors=a,b`). */
  monitors?: readonly string[];
}

/** Waits at most this long on a `Retry-After` before giving the 429 to the caller. */
const MAX_RETRY_WAIT_S = 30;

interface Call {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  signal?: AbortSignal | undefined;
  /** Statuses returned to the caller instead of thrown. */
  accept?: readonly number[];
}

export class VolleyClient {
  readonly server: string;
  private readonly key: string | undefined;
  private readonly fetchImpl: typeof globalThis.fetch;
  private readonly opener: SocketOpener | undefined;
  private readonly maxRetries: number;

  constructor(options: VolleyClientOptions) {
    const base = new URL(options.server);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.server = base.toString();
    this.key = options.key === '' ? undefined : options.key;
    const f = options.fetch ?? globalThis.fetch;
    // Unbound `fetch` throws "Illegal invocation" in browsers.
    this.fetchImpl = (input, init) => f(input, init);
    this.opener = options.WebSocket === undefined ? undefined : whatwgOpener(options.WebSocket);
    this.maxRetries = options.maxRetries ?? 2;
  }

  /**
   * Queues a simulation and returns its record (status `queued`, the seed used, links). Throws
   * `invalid_spec` (with `diagnostics`), `limit_exceeded`, `too_many_active_jobs`, …
   */
  async submit(spec: unknown, options: RequestOptions = {}): Promise<Simulation> {
    const res = await this.call({
      method: 'POST',
      path: 'v1/simulations',
      body: spec,
      signal: options.signal,
    });
    return this.json<Simulation>(res);
  }

  /**
   * Checks a spec without running it. An invalid spec is a value (`ok: false` with diagnostics),
   * not an exception; other refusals (`limit_exceeded`, auth) throw.
   */
  async validate(spec: unknown, options: RequestOptions = {}): Promise<Validation> {
    const res = await this.call({
      method: 'POST',
      path: 'v1/validate',
      body: spec,
      signal: options.signal,
      accept: [400],
    });
    if (res.status === 400) {
      const err = await errorFromResponse(res);
      const diagnostics = err.diagnostics;
      if (err.code !== 'invalid_spec' || diagnostics === undefined) throw err;
      return { ok: false, diagnostics };
    }
    const body = await this.json<{ size: NetworkSize }>(res);
    return { ok: true, size: body.size };
  }

  async get(id: string, options: RequestOptions = {}): Promise<Simulation> {
    const res = await this.call({ method: 'GET', path: `v1/simulations/${enc(id)}`, signal: options.signal });
    return this.json<Simulation>(res);
  }

  /** One page of the key's simulations, newest first. */
  async list(options: ListOptions = {}): Promise<SimulationList> {
    const res = await this.call({
      method: 'GET',
      path: 'v1/simulations',
      query: {
        limit: options.limit === undefined ? undefined : String(options.limit),
        cursor: options.cursor,
      },
      signal: options.signal,
    });
    return this.json<SimulationList>(res);
  }

  /** Every simulation of the key, page after page. */
  async *listAll(options: Omit<ListOptions, 'cursor'> = {}): AsyncGenerator<Simulation, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ ...options, ...(cursor === undefined ? {} : { cursor }) });
      yield* page.items;
      cursor = page.next;
    } while (cursor !== undefined);
  }

  /** The results document (NETWORK-SPEC.md, "Results"), parsed. */
  async results(id: string, options: ResultsOptions = {}): Promise<Results> {
    return this.json<Results>(await this.resultsResponse(id, options));
  }

  /**
   * The results as a raw HTTP response, for writing large documents to disk without holding them
   * as one string (`res.body` is a byte stream).
   */
  async resultsResponse(id: string, options: ResultsOptions = {}): Promise<Response> {
    return this.call({
      method: 'GET',
      path: `v1/simulations/${enc(id)}/results`,
      query: { monitors: options.monitors === undefined ? undefined : options.monitors.join(',') },
      signal: options.signal,
    });
  }

  /**
   * Cancels a queued or running simulation and returns its record; a finished one is deleted
   * (record, log and results) and `undefined` is returned.
   */
  async cancel(id: string, options: RequestOptions = {}): Promise<Simulation | undefined> {
    const res = await this.call({
      method: 'DELETE',
      path: `v1/simulations/${enc(id)}`,
      signal: options.signal,
    });
    const text = await res.text();
    if (text.trim() === '') return undefined;
    return parseJson<Simulation>(text, res.status);
  }

  /**
   * The simulation's live stream: status, spikes, progress, … and a final `done` or `error`
   * message, each exactly once and in `seq` order, across reconnections.
   */
  stream(id: string, options: StreamOptions = {}): AsyncIterable<StreamMessage> {
    const url = new URL(`v1/simulations/${enc(id)}/stream`, this.server);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const target = { url: url.toString(), key: this.key, opener: this.opener ?? defaultOpener() };
    return { [Symbol.asyncIterator]: () => resumableStream(target, options) };
  }

  private async call(call: Call): Promise<Response> {
    const url = new URL(call.path, this.server);
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.key !== undefined) headers.authorization = `Bearer ${this.key}`;
    const init: RequestInit = { method: call.method, headers };
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(call.body);
    }
    if (call.signal !== undefined) init.signal = call.signal;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetchImpl(url, init);
      } catch (cause) {
        if (call.signal?.aborted === true) {
          throw new VolleyError({
            status: 0,
            code: ClientErrorCode.aborted,
            message: 'request aborted',
            cause,
          });
        }
        const detail =
          cause instanceof Error && cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
        throw new VolleyError({
          status: 0,
          code: ClientErrorCode.network,
          message: `cannot reach ${url.origin}${detail}`,
          cause,
        });
      }
      if (res.ok || call.accept?.includes(res.status) === true) return res;
      const err = await errorFromResponse(res);
      const wait = err.retryAfter ?? (res.status === 503 ? 1 : undefined);
      if ((res.status === 429 || res.status === 503) && attempt < this.maxRetries && wait !== undefined) {
        if (wait <= MAX_RETRY_WAIT_S) {
          await delay(wait * 1000, call.signal);
          continue;
        }
      }
      throw err;
    }
  }

  private async json<T>(res: Response): Promise<T> {
    return parseJson<T>(await res.text(), res.status);
  }
}

function parseJson<T>(text: string, status: number): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new VolleyError({
      status,
      code: ClientErrorCode.badResponse,
      message: `expected JSON from the server, got: ${text.slice(0, 120)}`,
      cause,
    });
  }
}

function enc(id: string): string {
  return encodeURIComponent(id);
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clearTimeout(timer);
      reject(new VolleyError({ status: 0, code: ClientErrorCode.aborted, message: 'request aborted' }));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
