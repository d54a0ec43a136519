/**
 * A simulation's live stream as an async iterable that survives dropped connections.
 *
 * The event log on the server is the source of truth: every message has a `seq` (1, 2, 3, … with
 * no gaps), and connecting with `?from=SEQ` replays from there. So the client only remembers the
 * last `seq` it handed out; after a drop it reconnects (exponential backoff with jitter) from
 * `last + 1`, drops anything it has already seen, and ends after `done` or `error`.
 */
import { ClientErrorCode, VolleyError } from './errors.js';
import type { SocketClosed, SocketHandle, SocketOpener } from './socket.js';
import { isFinalMessage, type StreamMessage } from './types.js';

export interface StreamOptions {
  /** First `seq` wanted (default 1: the whole log). */
  from?: number;
  /** Stops the stream; the iterator then ends quietly. */
  signal?: AbortSignal;
  /** Consecutive failed connections tolerated before giving up (default 8). */
  maxAttempts?: number;
  /** Backoff bounds in milliseconds (defaults 200 and 5000). */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Called before each reconnection, e.g. to show "reconnecting…". */
  onReconnect?: (info: { attempt: number; delayMs: number; from: number; error?: VolleyError }) => void;
}

/** The socket is paused above this many unread messages, and resumed below the low mark. */
const HIGH_WATER = 512;
const LOW_WATER = 64;

type ConnEvent = { kind: 'message'; message: StreamMessage } | { kind: 'closed'; info: SocketClosed };

/** One WebSocket connection, turned into a pull-based queue of events. */
class Connection {
  private readonly queue: ConnEvent[] = [];
  private head = 0;
  private waiting: ((ev: ConnEvent) => void) | null = null;
  private handle: SocketHandle | null = null;
  private paused = false;
  private closedByUs = false;
  private ended = false;

  static async open(opener: SocketOpener, url: string, key: string | undefined): Promise<Connection> {
    const conn = new Connection();
    try {
      conn.handle = await opener(url, key, {
        message: (text) => conn.onText(text),
        closed: (info) => conn.push({ kind: 'closed', info }),
      });
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      const error = new VolleyError({ status: 0, code: ClientErrorCode.network, message, cause });
      conn.push({ kind: 'closed', info: { code: 1006, reason: message, error, retry: true } });
    }
    if (conn.closedByUs) conn.handle?.close();
    return conn;
  }

  next(): Promise<ConnEvent> {
    if (this.head < this.queue.length) {
      const ev = this.queue[this.head++] as ConnEvent;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      if (this.paused && this.queue.length - this.head < LOW_WATER) {
        this.paused = false;
        this.handle?.resume();
      }
      return Promise.resolve(ev);
    }
    return new Promise((resolve) => (this.waiting = resolve));
  }

  close(): void {
    this.closedByUs = true;
    this.handle?.close();
    this.push({ kind: 'closed', info: { code: 1000, reason: 'closed by client', retry: false } });
  }

  private onText(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      const error = new VolleyError({
        status: 0,
        code: ClientErrorCode.badResponse,
        message: `stream sent a frame that is not JSON: ${text.slice(0, 80)}`,
      });
      this.handle?.close();
      this.push({ kind: 'closed', info: { code: 1003, reason: error.message, error, retry: true } });
      return;
    }
    const envelope = refusal(parsed);
    if (envelope !== undefined) {
      this.handle?.close();
      this.push({
        kind: 'closed',
        info: { code: 1008, reason: envelope.message, error: envelope, retry: false },
      });
      return;
    }
    this.push({ kind: 'message', message: parsed as StreamMessage });
    if (!this.paused && this.queue.length - this.head > HIGH_WATER) {
      this.paused = true;
      this.handle?.pause();
    }
  }

  private push(ev: ConnEvent): void {
    if (this.ended) return;
    if (ev.kind === 'closed') this.ended = true;
    if (this.waiting !== null) {
      const w = this.waiting;
      this.waiting = null;
      w(ev);
    } else {
      this.queue.push(ev);
    }
  }
}

/** The API refuses a stream after the upgrade with `{error: {code, message, status}}` (no `seq`). */
function refusal(value: unknown): VolleyError | undefined {
  if (value === null || typeof value !== 'object' || 'seq' in value || !('error' in value)) return undefined;
  const e = value.error as { code?: unknown; message?: unknown; details?: unknown; status?: unknown } | null;
  if (e === null || typeof e !== 'object' || typeof e.code !== 'string') return undefined;
  return new VolleyError({
    status: typeof e.status === 'number' ? e.status : 0,
    code: e.code,
    message: typeof e.message === 'string' ? e.message : e.code,
    ...(e.details === undefined ? {} : { details: e.details }),
  });
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface StreamTarget {
  /** ws:// or wss:// URL of the stream, without `from`. */
  url: string;
  key: string | undefined;
  opener: SocketOpener;
}

/**
 * Yields the stream's messages in `seq` order, exactly once each, reconnecting as needed, and
 * returns after the final `done`/`error` message. Throws a `VolleyError` when the server refuses
 * the stream (bad key, unknown id) or when every reconnection attempt failed.
 */
export async function* resumableStream(
  target: StreamTarget,
  options: StreamOptions = {},
): AsyncGenerator<StreamMessage, void, undefined> {
  const { signal } = options;
  const maxAttempts = options.maxAttempts ?? 8;
  const minDelay = options.minDelayMs ?? 200;
  const maxDelay = options.maxDelayMs ?? 5000;
  let expected = Math.max(1, Math.floor(options.from ?? 1));
  let failures = 0;
  let conn: Connection | null = null;
  const onAbort = () => conn?.close();
  signal?.addEventListener('abort', onAbort);
  try {
    while (!isAborted(signal)) {
      const url = new URL(target.url);
      url.searchParams.set('from', String(expected));
      conn = await Connection.open(target.opener, url.toString(), target.key);
      if (isAborted(signal)) return;
      let ended: SocketClosed | undefined;
      while (ended === undefined) {
        const ev = await conn.next();
        if (ev.kind === 'closed') {
          ended = ev.info;
          break;
        }
        const msg = ev.message;
        if (typeof msg.seq !== 'number' || msg.seq < expected) continue;
        if (msg.seq > expected) {
          // A hole in the log can only come from a broken connection: read it again from the hole.
          conn.close();
          ended = {
            code: 1002,
            reason: `expected seq ${expected}, got ${msg.seq}`,
            error: new VolleyError({
              status: 0,
              code: ClientErrorCode.badResponse,
              message: `stream skipped from seq ${expected} to ${msg.seq}`,
            }),
            retry: true,
          };
          break;
        }
        expected = msg.seq + 1;
        failures = 0;
        yield msg;
        if (isFinalMessage(msg)) return;
      }
      conn.close();
      if (isAborted(signal)) return;
      if (!ended.retry) {
        throw (
          ended.error ??
          new VolleyError({
            status: 0,
            code: ClientErrorCode.streamFailed,
            message: ended.reason || 'stream refused',
          })
        );
      }
      failures += 1;
      if (failures > maxAttempts) {
        throw new VolleyError({
          status: ended.error?.status ?? 0,
          code: ClientErrorCode.streamFailed,
          message: `stream lost after ${maxAttempts} reconnection attempts: ${ended.error?.message ?? (ended.reason || `close code ${ended.code}`)}`,
          ...(ended.error === undefined ? {} : { cause: ended.error }),
        });
      }
      const backoff = Math.min(maxDelay, minDelay * 2 ** (failures - 1));
      const hinted = (ended.error?.retryAfter ?? 0) * 1000;
      const delayMs = Math.round(Math.max(hinted, backoff * (0.5 + Math.random() * 0.5)));
      options.onReconnect?.({
        attempt: failures,
        delayMs,
        from: expected,
        ...(ended.error === undefined ? {} : { error: ended.error }),
      });
      await sleep(delayMs, signal);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    conn?.close();
  }
}
