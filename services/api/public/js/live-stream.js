// A simulation's live stream, resumable: every message has a `seq` (1, 2, 3, … without gaps) and
// `?from=SEQ` replays from there, so after a dropped connection we reconnect from last + 1 and
// drop anything already seen. Refusals arrive as a frame `{error: {code, message, status}}` and a
// close code 4000 + status; those are final unless the status says "try again" (429, 5xx).

const MAX_ATTEMPTS = 8;

export class LiveStream {
  /**
   * @param {(from: number) => URL} urlFor
   * @param {{message: (msg: object) => void, end: (final: object) => void, fail: (err: {code: string, message: string}) => void, reconnecting?: (info: object) => void}} on
   */
  constructor(urlFor, on) {
    this.urlFor = urlFor;
    this.on = on;
    this.expected = 1;
    this.failures = 0;
    this.socket = null;
    this.timer = 0;
    this.stopped = false;
  }

  start(from = 1) {
    this.expected = Math.max(1, from);
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000);
    this.socket = null;
  }

  connect() {
    if (this.stopped) return;
    const ws = new WebSocket(this.urlFor(this.expected));
    this.socket = ws;
    let refusal = null;
    let finished = false;
    ws.onmessage = (ev) => {
      if (this.stopped || ws !== this.socket) return;
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (typeof msg.seq !== 'number') {
        if (msg.error) refusal = msg.error;
        return;
      }
      if (msg.seq < this.expected) return;
      if (msg.seq > this.expected) {
        // A hole can only come from a broken connection: read again from the hole.
        ws.close(1000);
        return;
      }
      this.expected = msg.seq + 1;
      this.failures = 0;
      if (msg.type === 'done' || msg.type === 'error') {
        finished = true;
        this.stopped = true;
        ws.close(1000);
        this.on.message(msg);
        this.on.end(msg);
        return;
      }
      this.on.message(msg);
    };
    ws.onclose = (ev) => {
      if (finished || this.stopped || ws !== this.socket) return;
      const status = refusal?.status ?? (ev.code >= 4000 && ev.code < 5000 ? ev.code - 4000 : 0);
      const retryable = status === 0 || status === 408 || status === 429 || status >= 500;
      if (!retryable) {
        this.stopped = true;
        this.on.fail({
          code: refusal?.code ?? `http_${status}`,
          message: refusal?.message ?? ev.reason ?? 'stream refused',
        });
        return;
      }
      this.failures += 1;
      if (this.failures > MAX_ATTEMPTS) {
        this.stopped = true;
        this.on.fail({
          code: 'stream_failed',
          message: `the live stream was lost after ${MAX_ATTEMPTS} attempts`,
        });
        return;
      }
      const delay = Math.min(5000, 200 * 2 ** (this.failures - 1)) * (0.5 + Math.random() * 0.5);
      this.on.reconnecting?.({ attempt: this.failures, delayMs: Math.round(delay), from: this.expected });
      this.timer = setTimeout(() => this.connect(), delay);
    };
    ws.onerror = () => {};
  }
}
