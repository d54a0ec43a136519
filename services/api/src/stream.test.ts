/**
 * The live stream over a real listening server and the `ws` client, on the embedded backend with
 * an in-process worker: replay, `?from=`, refusals, and a client that stops reading.
 */
import type { AddressInfo } from 'node:net';
import {
  createBackend,
  loadConfig as loadWorkerConfig,
  startWorker,
  type Backend,
  type WorkerHandle,
} from '@volley/worker';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { ALICE, BOB, auth, example } from './test-fixtures.js';

/** About a million spikes, tens of MB of stream: far more than socket buffers hold. */
const BUSY = {
  version: 1,
  name: 'busy',
  duration: '2*second',
  seed: 3,
  groups: { P: { type: 'poisson', N: 1000, rates: '500*Hz' } },
  monitors: { spk: { type: 'spikes', source: 'P' } },
};

interface Message {
  seq: number;
  type: string;
  monitor?: string;
  i?: number[];
  t?: number[];
  [key: string]: unknown;
}

interface Submitted {
  id: string;
  links: { self: string; stream: string; results: string };
}

interface Collected {
  messages: Message[];
  code: number;
  reason: string;
}

describe('GET /v1/simulations/:id/stream', () => {
  let app: FastifyInstance;
  let backend: Backend;
  let worker: WorkerHandle;
  let base: string;

  beforeAll(async () => {
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      API_KEYS: `alice:${ALICE},bob:${BOB}`,
      MAX_ACTIVE_JOBS_PER_KEY: '50',
    });
    const workerConfig = loadWorkerConfig({ LOG_LEVEL: 'silent', WORKER_CONCURRENCY: '2' });
    backend = await createBackend(workerConfig);
    worker = await startWorker(workerConfig, backend);
    // Small marks, so the slow client test needs only a few MB of stream to hit them.
    app = await buildApp({
      backend,
      config,
      stream: { highWaterMark: 64 * 1024, lowWaterMark: 16 * 1024, blockMs: 200 },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app.close();
    await worker.close(0);
    await backend.close();
  });

  async function submit(spec: unknown, key = ALICE): Promise<Submitted> {
    const res = await fetch(`http://${base}/v1/simulations`, {
      method: 'POST',
      headers: { ...auth(key), 'content-type': 'application/json' },
      body: JSON.stringify(spec),
    });
    expect(res.status).toBe(202);
    return (await res.json()) as Submitted;
  }

  async function waitDone(id: string) {
    for (
      const deadline = Date.now() + 60_000;
      Date.now() < deadline;
      await new Promise((r) => setTimeout(r, 25))
    ) {
      const record = await backend.get(id);
      if (record !== null && ['completed', 'failed', 'cancelled'].includes(record.status)) return record;
    }
    throw new Error(`simulation ${id} did not finish`);
  }

  function open(path: string, headers: Record<string, string> = auth(ALICE)): WebSocket {
    return new WebSocket(`ws://${base}${path}`, { headers });
  }

  function collect(ws: WebSocket): Promise<Collected> {
    const messages: Message[] = [];
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      expect(isBinary).toBe(false);
      messages.push(JSON.parse(data.toString('utf8')) as Message);
    });
    return new Promise((resolve, reject) => {
      ws.on('error', reject);
      ws.on('close', (code, reason) => resolve({ messages, code, reason: reason.toString() }));
    });
  }

  const expectContiguous = (messages: Message[], from = 1) => {
    messages.forEach((m, k) => expect(m.seq).toBe(from + k));
  };

  const spikesOf = (messages: Message[], monitor: string) => {
    const i: number[] = [];
    const t: number[] = [];
    for (const m of messages) {
      if (m.type === 'spikes' && m.monitor === monitor) {
        i.push(...(m.i ?? []));
        t.push(...(m.t ?? []));
      }
    }
    return { i, t };
  };

  it('streams a job live to the end, the spikes equal the results, and a late client replays it all', async () => {
    const job = await submit(example('seed-three'));
    const live = await collect(open(job.links.stream));
    expect(live.code).toBe(1000);
    expectContiguous(live.messages);
    const last = live.messages.at(-1);
    expect(last).toMatchObject({ type: 'done', status: 'completed' });
    expect(live.messages.some((m) => m.type === 'progress')).toBe(true);

    const results = (await (
      await fetch(`http://${base}${job.links.results}`, { headers: auth(ALICE) })
    ).json()) as {
      monitors: { spikes: { i: number[]; t: number[] } };
    };
    const streamed = spikesOf(live.messages, 'spikes');
    expect(streamed.i).toEqual(results.monitors.spikes.i);
    expect(streamed.t).toEqual(results.monitors.spikes.t);
    expect(streamed.i.length).toBeGreaterThan(0);

    const late = await collect(open(job.links.stream));
    expect(late.code).toBe(1000);
    expect(late.messages).toEqual(live.messages);
  });

  it('resumes from ?from=SEQ', async () => {
    const job = await submit(example('seed-three'));
    await waitDone(job.id);
    const all = await collect(open(job.links.stream));
    expect(all.messages.length).toBeGreaterThan(3);
    const from = 3;
    const tail = await collect(open(`${job.links.stream}?from=${from}`));
    expectContiguous(tail.messages, from);
    expect(tail.messages).toEqual(all.messages.slice(from - 1));
  });

  it('takes the key as ?key= for browsers', async () => {
    const job = await submit(example('seed-single'));
    const got = await collect(open(`${job.links.stream}?key=${ALICE}`, {}));
    expect(got.code).toBe(1000);
    expect(got.messages.at(-1)?.type).toBe('done');
  });

  it('refuses after the upgrade with an error frame and close code 4000 + status', async () => {
    const job = await submit(example('seed-single'));
    const cases: [string, Record<string, string>, number, string][] = [
      [job.links.stream, {}, 4401, 'unauthorized'],
      [`${job.links.stream}?key=wrong`, {}, 4401, 'unauthorized'],
      [job.links.stream, auth(BOB), 4404, 'not_found'],
      ['/v1/simulations/nope/stream', auth(ALICE), 4404, 'not_found'],
      [`${job.links.stream}?from=0`, auth(ALICE), 4400, 'invalid_request'],
    ];
    for (const [path, headers, code, errorCode] of cases) {
      const got = await collect(open(path, headers));
      expect(got.code, path).toBe(code);
      expect(got.reason).toBe(errorCode);
      expect(got.messages).toHaveLength(1);
      expect(got.messages[0]).toMatchObject({
        error: { code: errorCode, status: code - 4000, message: expect.any(String) },
      });
    }
  });

  it('answers a plain HTTP GET with 426', async () => {
    const job = await submit(example('seed-single'));
    const res = await fetch(`http://${base}${job.links.stream}`, { headers: auth(ALICE) });
    expect(res.status).toBe(426);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upgrade_required');
  });

  it('counts clients and streamed spikes in /metrics', async () => {
    const text = await (await fetch(`http://${base}/metrics`)).text();
    expect(text).toMatch(/volley_stream_spikes_total [1-9]/);
    expect(text).toMatch(/volley_websocket_clients 0/);
  });

  it('lets a client that does not read slow only itself, then delivers everything once it reads', async () => {
    const metric = async (name: string) => {
      const text = await (await fetch(`http://${base}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    };
    const job = await submit(BUSY);
    await waitDone(job.id);
    const sentBefore = await metric('volley_stream_messages_total');
    const pausesBefore = await metric('volley_stream_backpressure_pauses_total');

    // The slow client stops reading its socket as soon as it is open.
    const slow = open(job.links.stream);
    const slowDone = collect(slow);
    await new Promise<void>((resolve) => slow.once('open', () => resolve()));
    slow.pause();

    // A normal client meanwhile gets the whole log at full speed.
    const fast = await collect(open(job.links.stream));
    expect(fast.code).toBe(1000);
    expectContiguous(fast.messages);
    expect(fast.messages.at(-1)?.type).toBe('done');
    const total = fast.messages.length;
    const bytes = fast.messages.reduce((n, m) => n + JSON.stringify(m).length, 0);
    expect(bytes).toBeGreaterThan(8 * 1024 * 1024);

    // The slow stream stopped reading the log: only a bounded part of it went out, and it stays put.
    let sentToSlow = (await metric('volley_stream_messages_total')) - sentBefore - total;
    await new Promise((r) => setTimeout(r, 300));
    expect((await metric('volley_stream_messages_total')) - sentBefore - total).toBe(sentToSlow);
    expect(sentToSlow).toBeLessThan(total / 2);
    expect(await metric('volley_stream_backpressure_pauses_total')).toBeGreaterThan(pausesBefore);
    expect(await metric('volley_websocket_clients')).toBe(1);

    // Once it reads again it gets every message, in order, and the same ones.
    slow.resume();
    const got = await slowDone;
    expect(got.code).toBe(1000);
    expect(got.messages).toHaveLength(total);
    expectContiguous(got.messages);
    expect(spikesOf(got.messages, 'spk')).toEqual(spikesOf(fast.messages, 'spk'));
    sentToSlow = (await metric('volley_stream_messages_total')) - sentBefore - total;
    expect(sentToSlow).toBe(total);
  });

  it('stops the loop when the client goes away', async () => {
    const job = await submit({ ...BUSY, duration: '100*second', seed: 9 });
    const ws = open(job.links.stream);
    await new Promise<void>((resolve) => ws.once('message', () => resolve()));
    ws.terminate();
    for (let k = 0; k < 100; k++) {
      const text = await (await fetch(`http://${base}/metrics`)).text();
      if (/volley_websocket_clients 0/.test(text)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await (await fetch(`http://${base}/metrics`)).text()).toMatch(/volley_websocket_clients 0/);
    // The job goes on producing, but nothing is sent for it any more.
    const sent = async () =>
      Number(
        /^volley_stream_messages_total (\S+)$/m.exec(
          await (await fetch(`http://${base}/metrics`)).text(),
        )?.[1],
      );
    await new Promise((r) => setTimeout(r, 300));
    const before = await sent();
    await new Promise((r) => setTimeout(r, 500));
    expect(await sent()).toBe(before);
    await fetch(`http://${base}${job.links.self}`, { method: 'DELETE', headers: auth(ALICE) });
  });
});

describe('shutdown', () => {
  it('ends open streams with 1001 "going away", so clients resume elsewhere', async () => {
    const config = loadConfig({ LOG_LEVEL: 'silent' });
    const workerConfig = loadWorkerConfig({ LOG_LEVEL: 'silent', WORKER_CONCURRENCY: '1' });
    const backend = await createBackend(workerConfig);
    const worker = await startWorker(workerConfig, backend);
    const app = await buildApp({ backend, config });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const port = (app.server.address() as AddressInfo).port;
      const res = await fetch(`http://127.0.0.1:${port}/v1/simulations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...BUSY, duration: '100*second' }),
      });
      const { links } = (await res.json()) as Submitted;
      const ws = new WebSocket(`ws://127.0.0.1:${port}${links.stream}`);
      const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
      await new Promise<void>((resolve) => ws.once('message', () => resolve()));
      await app.close();
      expect(await closed).toBe(1001);
    } finally {
      await app.close();
      await worker.close(0);
      await backend.close();
    }
  });
});
