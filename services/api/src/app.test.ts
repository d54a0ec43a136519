/**
 * The HTTP API through `inject()`, over the real embedded backend with an in-process worker and
 * the real simulator: nothing here is mocked.
 */
import { compile } from '@volley/sim';
import {
  createBackend,
  loadConfig as loadWorkerConfig,
  startWorker,
  type Backend,
  type WorkerHandle,
} from '@volley/worker';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { ALICE, BOB, auth, example } from './test-fixtures.js';

/** A network that runs for minutes: for "still running" states and cancellation. */
const LONG = {
  version: 1,
  name: 'long',
  duration: '1000*second',
  seed: 5,
  groups: { P: { type: 'poisson', N: 50, rates: '20*Hz' } },
  monitors: { spk: { type: 'spikes', source: 'P', record: false } },
};

interface Harness {
  app: FastifyInstance;
  backend: Backend;
  worker: WorkerHandle;
  close(): Promise<void>;
}

async function harness(env: Record<string, string> = {}): Promise<Harness> {
  const config = loadConfig({ LOG_LEVEL: 'silent', API_KEYS: `alice:${ALICE},bob:${BOB}`, ...env });
  const workerConfig = loadWorkerConfig({ LOG_LEVEL: 'silent', WORKER_CONCURRENCY: '2' });
  const backend = await createBackend(workerConfig);
  const worker = await startWorker(workerConfig, backend);
  const app = await buildApp({ backend, config });
  await app.ready();
  return {
    app,
    backend,
    worker,
    async close() {
      await app.close();
      await worker.close(0);
      await backend.close();
    },
  };
}

/** A parsed body, read loosely: the assertions check its shape. */
type Body = ReturnType<typeof JSON.parse>;
const json = (res: LightMyRequestResponse): Body => res.json<Body>();

interface Submitted {
  id: string;
  status: string;
  seed: number;
  links: { self: string; stream: string; results: string };
}

async function submit(app: FastifyInstance, spec: unknown, key = ALICE): Promise<Submitted> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/simulations',
    headers: auth(key),
    payload: spec as object,
  });
  expect(res.statusCode, res.body).toBe(202);
  return json(res) as Submitted;
}

async function waitFor(
  app: FastifyInstance,
  id: string,
  key = ALICE,
  done = ['completed', 'failed', 'cancelled'],
): Promise<Body> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await app.inject({ url: `/v1/simulations/${id}`, headers: auth(key) });
    const body = json(res);
    if (done.includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`simulation ${id} still ${body.status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the HTTP API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ MAX_NEURONS: '10000', BODY_LIMIT_BYTES: String(64 * 1024) });
  });
  afterAll(async () => h.close());

  describe('POST /v1/simulations', () => {
    it('queues a valid spec: 202, links, Location, then it completes with the spec seed', async () => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/simulations',
        headers: auth(ALICE),
        payload: example('seed-three'),
      });
      expect(res.statusCode).toBe(202);
      const body = json(res);
      expect(body).toMatchObject({ status: 'queued', seed: 1, name: 'seed-three' });
      expect(body.links).toEqual({
        self: `/v1/simulations/${body.id}`,
        stream: `/v1/simulations/${body.id}/stream`,
        results: `/v1/simulations/${body.id}/results`,
      });
      expect(res.headers.location).toBe(body.links.self);
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
      const done = await waitFor(h.app, body.id);
      expect(done).toMatchObject({
        status: 'completed',
        seed: 1,
        size: { neurons: 3, synapses: 2, steps: 500 },
      });
      expect(done.stats.steps).toBe(500);
    });

    it('chooses a seed when the spec has none and reports it in the record and the results', async () => {
      const { seed: _seed, ...unseeded } = example('seed-three');
      const body = await submit(h.app, unseeded);
      expect(Number.isInteger(body.seed)).toBe(true);
      await waitFor(h.app, body.id);
      const results = json(await h.app.inject({ url: body.links.results, headers: auth(ALICE) }));
      expect(results.seed).toBe(body.seed);
    });

    it('answers non-JSON with 400 invalid_json and where it broke', async () => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/simulations',
        headers: { ...auth(ALICE), 'content-type': 'application/json' },
        payload: '{\n  "version": 1,\n  "duration": "1*ms",,\n}',
      });
      expect(res.statusCode).toBe(400);
      const { error } = json(res);
      expect(error.code).toBe('invalid_json');
      expect(error.details).toMatchObject({
        line: 3,
        column: expect.any(Number),
        position: expect.any(Number),
      });
      expect(error.message).toMatch(/line 3, column \d+/);
    });

    it('refuses prototype-poisoning keys', async () => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/simulations',
        headers: { ...auth(ALICE), 'content-type': 'application/json' },
        payload: '{"version": 1, "__proto__": {"polluted": true}}',
      });
      expect(res.statusCode).toBe(400);
      expect(json(res).error).toMatchObject({
        code: 'invalid_json',
        message: expect.stringContaining('__proto__'),
      });
    });

    it('answers an empty body with 400 invalid_json', async () => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/simulations',
        headers: { ...auth(ALICE), 'content-type': 'application/json' },
        payload: '',
      });
      expect(res.statusCode).toBe(400);
      expect(json(res).error.code).toBe('invalid_json');
    });

    it('answers a spec with errors with 400 invalid_spec and every diagnostic unchanged', async () => {
      const spec = example('seed-three');
      const groups = spec.groups as { G: { model: string; threshold: string } };
      groups.G.model = 'dv/dt = (I-v)/tauu : 1\nI : 1\ntau : second';
      groups.G.threshold = 'v > 1*mV';
      const expected = compile(spec);
      expect(expected.ok).toBe(false);
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/simulations',
        headers: auth(ALICE),
        payload: spec,
      });
      expect(res.statusCode).toBe(400);
      const { error } = json(res);
      expect(error.code).toBe('invalid_spec');
      expect(error.details.diagnostics).toEqual(expected.ok ? [] : expected.diagnostics);
      expect(error.details.diagnostics[0]).toMatchObject({
        path: 'groups.G.model',
        line: 1,
        column: expect.any(Number),
      });
      expect(error.message).toContain('groups.G.model:1:');
    });

    it('answers a body over BODY_LIMIT_BYTES with 413', async () => {
      const spec = { ...example('seed-three'), name: 'x'.repeat(70 * 1024) };
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/simulations',
        headers: auth(ALICE),
        payload: spec,
      });
      expect(res.statusCode).toBe(413);
      const { error } = json(res);
      expect(error.code).toBe('payload_too_large');
      expect(error.message).toContain(`${64 * 1024} bytes (BODY_LIMIT_BYTES)`);
    });

    it('answers a network over the limits with 422 naming the limit and the excess', async () => {
      const spec = { ...LONG, groups: { P: { type: 'poisson', N: 25_000, rates: '1*Hz' } } };
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/simulations',
        headers: auth(ALICE),
        payload: spec,
      });
      expect(res.statusCode).toBe(422);
      const { error } = json(res);
      expect(error.code).toBe('limit_exceeded');
      expect(error.details.limits).toContainEqual({ limit: 'neurons', value: 25_000, max: 10_000 });
      expect(error.message).toContain('neurons 25,000 is over MAX_NEURONS = 10,000 by 15,000');
    });

    it('answers a body that is not JSON with 415', async () => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/simulations',
        headers: { ...auth(ALICE), 'content-type': 'text/plain' },
        payload: 'hi',
      });
      expect(res.statusCode).toBe(415);
      expect(json(res).error.code).toBe('unsupported_media_type');
    });
  });

  describe('validation without running', () => {
    it.each(['/v1/simulations:validate', '/v1/validate'])('%s: 200 with the size, 400, 422', async (url) => {
      const ok = await h.app.inject({
        method: 'POST',
        url,
        headers: auth(ALICE),
        payload: example('seed-three'),
      });
      expect(ok.statusCode).toBe(200);
      expect(json(ok)).toEqual({
        ok: true,
        size: expect.objectContaining({ neurons: 3, synapses: 2, steps: 500 }),
      });

      const bad = await h.app.inject({
        method: 'POST',
        url,
        headers: auth(ALICE),
        payload: { ...example('seed-three'), duration: '50*mV' },
      });
      expect(bad.statusCode).toBe(400);
      expect(json(bad).error.details.diagnostics[0].path).toBe('duration');

      const big = await h.app.inject({
        method: 'POST',
        url,
        headers: auth(ALICE),
        payload: { ...LONG, groups: { P: { type: 'poisson', N: 20_000, rates: '1*Hz' } } },
      });
      expect(big.statusCode).toBe(422);
      const list = json(await h.app.inject({ url: '/v1/simulations?limit=100', headers: auth(ALICE) }));
      expect(list.items.every((s: { name?: string }) => s.name !== 'long')).toBe(true);
    });
  });

  describe('auth', () => {
    it('answers a missing or wrong key with 401', async () => {
      const none = await h.app.inject({ url: '/v1/simulations' });
      expect(none.statusCode).toBe(401);
      expect(json(none).error.code).toBe('unauthorized');
      expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
      const wrong = await h.app.inject({ url: '/v1/simulations', headers: auth('nope') });
      expect(wrong.statusCode).toBe(401);
      expect(json(wrong).error.message).toBe('the API key is not valid');
      const submitted = await h.app.inject({
        method: 'POST',
        url: '/v1/simulations',
        headers: auth('nope'),
        payload: example('seed-three'),
      });
      expect(submitted.statusCode).toBe(401);
    });

    it("hides another key's job behind 404 (read, results, cancel)", async () => {
      const job = await submit(h.app, example('seed-single'), ALICE);
      for (const [method, url] of [
        ['GET', job.links.self],
        ['GET', job.links.results],
        ['DELETE', job.links.self],
      ] as const) {
        const res = await h.app.inject({ method, url, headers: auth(BOB) });
        expect(res.statusCode, `${method} ${url}`).toBe(404);
        expect(json(res).error.code).toBe('not_found');
      }
      expect(json(await h.app.inject({ url: job.links.self, headers: auth(ALICE) })).id).toBe(job.id);
      const missing = await h.app.inject({ url: '/v1/simulations/does-not-exist', headers: auth(ALICE) });
      expect(missing.statusCode).toBe(404);
    });

    it('leaves health, metrics and docs open', async () => {
      expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      expect(json(await h.app.inject({ url: '/readyz' }))).toEqual({ ok: true, backend: 'embedded' });
      expect((await h.app.inject({ url: '/metrics' })).statusCode).toBe(200);
      expect((await h.app.inject({ url: '/openapi.json' })).statusCode).toBe(200);
    });
  });

  describe('listing', () => {
    it("pages through the caller's jobs, newest first, and only theirs", async () => {
      const ids: string[] = [];
      for (let k = 0; k < 5; k++)
        ids.push((await submit(h.app, { ...example('seed-single'), name: `page-${k}` }, BOB)).id);
      const seen: string[] = [];
      let url = '/v1/simulations?limit=2';
      for (let pages = 0; pages < 10; pages++) {
        const res = await h.app.inject({ url, headers: auth(BOB) });
        expect(res.statusCode).toBe(200);
        const page = json(res);
        expect(page.items.length).toBeLessThanOrEqual(2);
        for (const item of page.items) expect(item.links.self).toBe(`/v1/simulations/${item.id}`);
        seen.push(...page.items.map((s: { id: string }) => s.id));
        if (page.next === undefined) break;
        url = `/v1/simulations?limit=2&cursor=${encodeURIComponent(page.next)}`;
      }
      expect(seen).toEqual([...ids].reverse());
      const alice = json(await h.app.inject({ url: '/v1/simulations?limit=100', headers: auth(ALICE) }));
      expect(alice.items.some((s: { id: string }) => ids.includes(s.id))).toBe(false);
    });

    it('refuses a bad limit with 400 invalid_request', async () => {
      const res = await h.app.inject({ url: '/v1/simulations?limit=0', headers: auth(BOB) });
      expect(res.statusCode).toBe(400);
      expect(json(res).error.code).toBe('invalid_request');
    });
  });

  describe('results', () => {
    let job: Submitted;
    beforeAll(async () => {
      job = await submit(h.app, example('seed-three'));
      await waitFor(h.app, job.id);
    });

    it('streams the whole document as JSON', async () => {
      const res = await h.app.inject({ url: job.links.results, headers: auth(ALICE) });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const results = json(res);
      expect(results).toMatchObject({ id: job.id, seed: 1, dt: 0.0001, duration: 0.05 });
      expect(Object.keys(results.monitors).sort()).toEqual(['M', 'spikes']);
      expect(results.monitors.spikes.type).toBe('spikes');
      expect(results.monitors.M.values.v).toHaveLength(3);
      expect(results.stats.steps).toBe(500);
      // The same document the backend holds, byte for byte once parsed.
      expect(results).toEqual(JSON.parse(JSON.stringify(await h.backend.getResults(job.id))));
    });

    it('keeps only the monitors asked for', async () => {
      const res = await h.app.inject({ url: `${job.links.results}?monitors=spikes`, headers: auth(ALICE) });
      expect(res.statusCode).toBe(200);
      const results = json(res);
      expect(Object.keys(results.monitors)).toEqual(['spikes']);
      expect(results.stats.steps).toBe(500);
      const unknown = await h.app.inject({
        url: `${job.links.results}?monitors=spikes,nope`,
        headers: auth(ALICE),
      });
      expect(unknown.statusCode).toBe(400);
      expect(json(unknown).error).toMatchObject({
        code: 'unknown_monitor',
        details: { unknown: ['nope'], available: ['M', 'spikes'] },
      });
    });

    it('answers 409 not_ready before completion; DELETE cancels a running job (200) and deletes a finished one (204)', async () => {
      const long = await submit(h.app, LONG);
      await waitFor(h.app, long.id, ALICE, ['running']);
      const early = await h.app.inject({ url: long.links.results, headers: auth(ALICE) });
      expect(early.statusCode).toBe(409);
      expect(json(early).error).toMatchObject({ code: 'not_ready', details: { status: 'running' } });

      const cancel = await h.app.inject({ method: 'DELETE', url: long.links.self, headers: auth(ALICE) });
      expect(cancel.statusCode).toBe(200);
      expect(json(cancel)).toMatchObject({ id: long.id, status: 'cancelled' });
      const after = await h.app.inject({ url: long.links.results, headers: auth(ALICE) });
      expect(after.statusCode).toBe(409);
      expect(json(after).error.details.status).toBe('cancelled');

      const removed = await h.app.inject({ method: 'DELETE', url: long.links.self, headers: auth(ALICE) });
      expect(removed.statusCode).toBe(204);
      expect(removed.body).toBe('');
      expect((await h.app.inject({ url: long.links.self, headers: auth(ALICE) })).statusCode).toBe(404);
    });
  });

  describe('operations', () => {
    it('publishes an OpenAPI 3 document listing every route, and the docs UI', async () => {
      const doc = json(await h.app.inject({ url: '/openapi.json' }));
      expect(doc.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/v1/simulations',
          '/v1/simulations:validate',
          '/v1/validate',
          '/v1/simulations/{id}',
          '/v1/simulations/{id}/results',
          '/v1/simulations/{id}/stream',
          '/healthz',
          '/readyz',
          '/metrics',
        ]),
      );
      expect(Object.keys(doc.paths['/v1/simulations/{id}'])).toEqual(
        expect.arrayContaining(['get', 'delete']),
      );
      expect(Object.keys(doc.components.schemas)).toEqual(
        expect.arrayContaining(['Simulation', 'ErrorEnvelope', 'Results', 'Diagnostic']),
      );
      expect(doc.paths['/v1/simulations'].post.responses).toHaveProperty('202');
      const ui = await h.app.inject({ url: '/docs/' });
      expect(ui.statusCode).toBe(200);
      expect(ui.headers['content-type']).toMatch(/text\/html/);
    });

    it('exposes Prometheus metrics: jobs by state, queue depth, HTTP durations', async () => {
      const text = (await h.app.inject({ url: '/metrics' })).body;
      expect(text).toMatch(/volley_jobs\{state="completed"\} [1-9]/);
      expect(text).toContain('volley_queue_depth');
      expect(text).toContain('volley_websocket_clients');
      expect(text).toContain('volley_stream_spikes_total');
      expect(text).toMatch(/volley_job_duration_seconds_count\{status="completed"\} [1-9]/);
      expect(text).toMatch(
        /volley_http_request_duration_seconds_count\{method="POST",route="\/v1\/simulations",status_code="202"\}/,
      );
    });

    it('answers unknown routes in the error envelope', async () => {
      const res = await h.app.inject({ url: '/v1/nothing-here', headers: auth(ALICE) });
      expect(res.statusCode).toBe(404);
      expect(json(res).error.code).toBe('route_not_found');
    });

    it('keeps a sane incoming x-request-id', async () => {
      const res = await h.app.inject({ url: '/healthz', headers: { 'x-request-id': 'trace-123' } });
      expect(res.headers['x-request-id']).toBe('trace-123');
    });
  });
});

describe('limits per key', () => {
  it('rate-limits each key with 429 and Retry-After, without touching other keys', async () => {
    const h = await harness({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW: '1m' });
    try {
      for (let k = 0; k < 3; k++)
        expect((await h.app.inject({ url: '/v1/simulations', headers: auth(ALICE) })).statusCode).toBe(200);
      const limited = await h.app.inject({ url: '/v1/simulations', headers: auth(ALICE) });
      expect(limited.statusCode).toBe(429);
      expect(json(limited).error.code).toBe('rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect((await h.app.inject({ url: '/v1/simulations', headers: auth(BOB) })).statusCode).toBe(200);
      expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      // Guessing keys is limited too, per client IP.
      const guesses = [];
      for (let k = 0; k < 4; k++)
        guesses.push(
          (await h.app.inject({ url: '/v1/simulations', headers: auth(`guess-${k}`) })).statusCode,
        );
      expect(guesses).toEqual([401, 401, 401, 429]);
    } finally {
      await h.close();
    }
  });

  it('caps queued + running jobs per key with 429 and Retry-After', async () => {
    const h = await harness({ MAX_ACTIVE_JOBS_PER_KEY: '1' });
    try {
      const long = await submit(h.app, LONG);
      const capped = await h.app.inject({
        method: 'POST',
        url: '/v1/simulations',
        headers: auth(ALICE),
        payload: example('seed-three'),
      });
      expect(capped.statusCode).toBe(429);
      expect(json(capped).error).toMatchObject({
        code: 'too_many_active_jobs',
        details: { active: 1, max: 1 },
      });
      expect(Number(capped.headers['retry-after'])).toBeGreaterThan(0);
      expect(
        (
          await h.app.inject({
            method: 'POST',
            url: '/v1/simulations',
            headers: auth(BOB),
            payload: example('seed-three'),
          })
        ).statusCode,
      ).toBe(202);
      await h.app.inject({ method: 'DELETE', url: long.links.self, headers: auth(ALICE) });
      expect(
        (
          await h.app.inject({
            method: 'POST',
            url: '/v1/simulations',
            headers: auth(ALICE),
            payload: example('seed-three'),
          })
        ).statusCode,
      ).toBe(202);
    } finally {
      await h.close();
    }
  });
});

describe('open local mode', () => {
  it('serves everyone as anonymous when API_KEYS is unset', async () => {
    const config = loadConfig({ LOG_LEVEL: 'silent' });
    const workerConfig = loadWorkerConfig({ LOG_LEVEL: 'silent', WORKER_CONCURRENCY: '1' });
    const backend = await createBackend(workerConfig);
    const worker = await startWorker(workerConfig, backend);
    const app = await buildApp({ backend, config });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/simulations',
        payload: example('seed-single'),
      });
      expect(res.statusCode).toBe(202);
      expect((await backend.get(json(res).id))?.owner).toBe('anonymous');
      expect(json(await app.inject({ url: '/v1/simulations' })).items).toHaveLength(1);
    } finally {
      await app.close();
      await worker.close(0);
      await backend.close();
    }
  });
});
