// The viewer's HTTP client: same-origin API, Bearer key, and the API's error envelope
// `{error: {code, message, details?}}` turned into an ApiError.

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  get diagnostics() {
    return Array.isArray(this.details?.diagnostics) ? this.details.diagnostics : undefined;
  }
}

async function toError(res) {
  let body;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const e = body?.error;
  if (e && typeof e.code === 'string')
    return new ApiError(res.status, e.code, e.message ?? e.code, e.details);
  return new ApiError(res.status, `http_${res.status}`, `HTTP ${res.status} ${res.statusText}`);
}

export class Api {
  /** @param {() => string} getKey */
  constructor(getKey, base = location.origin) {
    this.getKey = getKey;
    this.base = base;
  }

  headers(extra = {}) {
    const h = { accept: 'application/json', ...extra };
    const key = this.getKey();
    if (key) h.authorization = `Bearer ${key}`;
    return h;
  }

  async request(method, path, { body, accept = [], signal } = {}) {
    let res;
    try {
      res = await fetch(new URL(path, this.base), {
        method,
        headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (cause) {
      if (signal?.aborted) throw cause;
      throw new ApiError(0, 'network_error', `cannot reach the server (${cause.message})`);
    }
    if (res.ok || accept.includes(res.status)) return res;
    throw await toError(res);
  }

  /** @returns {Promise<{ok: true, size: object} | {ok: false, diagnostics: object[]}>} */
  async validate(specText, signal) {
    const res = await this.request('POST', '/v1/validate', { body: specText, accept: [400], signal });
    if (res.status === 400) {
      const err = await toError(res);
      if (err.code === 'invalid_spec' && err.diagnostics) return { ok: false, diagnostics: err.diagnostics };
      throw err;
    }
    return res.json();
  }

  async submit(specText) {
    return (await this.request('POST', '/v1/simulations', { body: specText })).json();
  }

  async get(id) {
    return (await this.request('GET', `/v1/simulations/${encodeURIComponent(id)}`)).json();
  }

  async cancel(id) {
    const res = await this.request('DELETE', `/v1/simulations/${encodeURIComponent(id)}`);
    return res.status === 204 ? undefined : res.json();
  }

  /** The results document as a Blob (kept as bytes: it can be large). */
  async resultsBlob(id) {
    return (await this.request('GET', `/v1/simulations/${encodeURIComponent(id)}/results`)).blob();
  }

  streamUrl(id) {
    const u = new URL(`/v1/simulations/${encodeURIComponent(id)}/stream`, this.base);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    const key = this.getKey();
    if (key) u.searchParams.set('key', key);
    return u;
  }
}
