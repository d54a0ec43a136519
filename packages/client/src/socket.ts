/**
 * The one WebSocket seam of the SDK. Two openers share one small interface: the WHATWG
 * `WebSocket` (browsers, Deno, Node ≥ 22), which can only carry the API key in the query string,
 * and the `ws` package in Node, which sends it as an `Authorization` header and can pause a socket
 * whose reader falls behind. `ws` is imported lazily, so this module has no Node-only imports.
 */
import { VolleyError, errorFromBody, parseRetryAfter } from './errors.js';

export interface SocketClosed {
  code: number;
  reason: string;
  /** Why the connection failed, when it did not end normally. */
  error?: VolleyError;
  /** False when reconnecting cannot help (bad key, unknown simulation). */
  retry: boolean;
}

export interface SocketHandlers {
  message(text: string): void;
  /** Called exactly once, whatever ended the connection (unless the caller closed it first). */
  closed(info: SocketClosed): void;
}

export interface SocketHandle {
  close(): void;
  /** Stops reading from the network until `resume()` (a no-op where the platform cannot). */
  pause(): void;
  resume(): void;
}

export type SocketOpener = (
  url: string,
  key: string | undefined,
  handlers: SocketHandlers,
) => Promise<SocketHandle>;

/** The subset of the WHATWG WebSocket we use; `ws`'s class satisfies it too. */
export interface WebSocketLike {
  binaryType: string;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructorLike = new (url: string) => WebSocketLike;

/** Close codes 4000–4999 carry an HTTP status (4000 + status): the API's refusals after the upgrade. */
export function closeCodeError(code: number, reason: string): SocketClosed {
  if (code >= 4000 && code < 5000) {
    const status = code - 4000;
    const error = errorFromBody(status, '', reason, undefined);
    return { code, reason, error, retry: error.retryable };
  }
  if (code === 1008) {
    const error = new VolleyError({
      status: 0,
      code: 'policy_violation',
      message: reason || 'connection refused',
    });
    return { code, reason, error, retry: false };
  }
  return { code, reason, retry: true };
}

function textOf(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data)) {
    return new TextDecoder().decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  if (Array.isArray(data)) return data.map(textOf).join('');
  return String(data);
}

function withKey(url: string, key: string | undefined): string {
  if (key === undefined || key === '') return url;
  const u = new URL(url);
  u.searchParams.set('key', key);
  return u.toString();
}

/** An opener over a WHATWG-style constructor; the key goes in `?key=` (browsers cannot set headers). */
export function whatwgOpener(Ctor: WebSocketConstructorLike): SocketOpener {
  return (url, key, handlers) => {
    const ws = new Ctor(withKey(url, key));
    ws.binaryType = 'arraybuffer';
    let done = false;
    const finish = (info: SocketClosed) => {
      if (done) return;
      done = true;
      handlers.closed(info);
    };
    ws.onmessage = (ev) => {
      if (!done) handlers.message(textOf(ev.data));
    };
    ws.onclose = (ev) => finish(closeCodeError(ev.code, ev.reason));
    // An `error` event is always followed by `close`, which carries more information.
    ws.onerror = () => undefined;
    return Promise.resolve({
      close() {
        done = true;
        ws.close(1000);
      },
      pause() {},
      resume() {},
    });
  };
}

/** The Node opener, over `ws`: header auth, HTTP refusals re-hydrated from their bodies, pausing. */
export const nodeOpener: SocketOpener = async (url, key, handlers) => {
  const { default: WebSocket } = await import('ws');
  const headers: Record<string, string> = {};
  if (key !== undefined && key !== '') headers.authorization = `Bearer ${key}`;
  const ws = new WebSocket(url, { headers });
  let done = false;
  let failure: Error | undefined;
  const finish = (info: SocketClosed) => {
    if (done) return;
    done = true;
    handlers.closed(info);
  };
  ws.on('message', (data: unknown) => {
    if (!done) handlers.message(textOf(data));
  });
  ws.on('unexpected-response', (req, res) => {
    const status = res.statusCode ?? 0;
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', () => undefined);
    res.on('end', () => {
      const retryAfter = parseRetryAfter(res.headers['retry-after']);
      const error = errorFromBody(
        status,
        res.statusMessage ?? '',
        Buffer.concat(chunks).toString('utf8'),
        retryAfter,
      );
      finish({ code: 1006, reason: error.message, error, retry: error.retryable });
      req.destroy();
      ws.terminate();
    });
  });
  ws.on('error', (err: Error) => {
    failure = err;
  });
  ws.on('close', (code: number, reason: Buffer) => {
    const info = closeCodeError(code, reason.toString('utf8'));
    if (info.error === undefined && failure !== undefined) {
      info.error = new VolleyError({
        status: 0,
        code: 'network_error',
        message: failure.message,
        cause: failure,
      });
    }
    finish(info);
  });
  return {
    close() {
      done = true;
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000);
    },
    pause() {
      if (ws.readyState === WebSocket.OPEN) ws.pause();
    },
    resume() {
      ws.resume();
    },
  };
};

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/** `ws` in Node, the platform's WebSocket elsewhere. */
export function defaultOpener(): SocketOpener {
  if (isNode()) return nodeOpener;
  const Ctor = (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket;
  if (Ctor === undefined)
    throw new Error('no WebSocket implementation: pass one as `WebSocket` in the options');
  return whatwgOpener(Ctor);
}
