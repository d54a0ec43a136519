/**
 * The live viewer in a real browser (Debian's chromium through playwright-core) against a real API
 * process: pick an example, watch it run, and check that every spike of the results was drawn.
 * A screenshot lands in test/artifacts/viewer.png.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VolleyClient } from '@volley/client';
import { ROOT, startApi, type ApiServer } from './client-server.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test/artifacts');
const FINAL = ['done', 'failed', 'cancelled', 'error'];

/** What the page exposes, typed here because the tests compile without the DOM library. */
interface ViewerPage {
  volleyViewer: {
    spikesDrawn: number;
    spikesReceived: number;
    status: string;
    id: string | null;
    timing: { messageMs: number; drawMs: number };
  };
  frameGaps: number[];
  localStorage: { getItem(key: string): string | null; removeItem(key: string): void };
  document: {
    getElementById(id: string): {
      width: number;
      height: number;
      getContext(kind: '2d'): {
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
      };
    };
  };
  requestAnimationFrame(callback: (now: number) => void): number;
  performance: { now(): number };
}

async function waitForEnd(page: Page, timeout = 45_000): Promise<string> {
  await page.waitForFunction(
    (final) => final.includes((globalThis as unknown as ViewerPage).volleyViewer?.status),
    FINAL,
    {
      timeout,
      polling: 50,
    },
  );
  return page.evaluate(() => (globalThis as unknown as ViewerPage).volleyViewer.status);
}

function spikeCount(results: Awaited<ReturnType<VolleyClient['results']>>): number {
  let n = 0;
  for (const m of Object.values(results.monitors)) if (m.type === 'spikes') n += m.i.length;
  return n;
}

describe.skipIf(!existsSync(CHROMIUM))('viewer', () => {
  let api: ApiServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    api = await startApi();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      // Chromium logs every non-2xx response (the validator's expected 400s) as a console error.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() === 404) pageErrors.push(`404 ${r.url()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
  });

  it('runs seed-hundred.json live and draws every spike of the results', async () => {
    await page.goto(`${api.url}/`);
    await page.waitForFunction(() => (globalThis as unknown as ViewerPage).volleyViewer?.status === 'idle');
    await page.selectOption('#example', 'seed-hundred.json');
    await expect
      .poll(() => page.textContent('#validity'), { timeout: 10_000 })
      .toMatch(/^valid · 100 neurons/);

    await page.click('#submit');
    expect(await waitForEnd(page)).toBe('done');
    const { id, drawn, received } = await page.evaluate(() => ({
      id: (globalThis as unknown as ViewerPage).volleyViewer.id,
      drawn: (globalThis as unknown as ViewerPage).volleyViewer.spikesDrawn,
      received: (globalThis as unknown as ViewerPage).volleyViewer.spikesReceived,
    }));
    expect(id).toBeTruthy();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'viewer.png') });

    const results = await new VolleyClient({ server: api.url }).results(id!);
    expect(drawn).toBe(spikeCount(results));
    expect(received).toBe(drawn);
    expect(drawn).toBe(results.stats.spikes);
    expect(await page.textContent('#stat-spikes')).toBe(drawn.toLocaleString('en-US'));

    // The raster really has marks on it: count pixels brighter than the background.
    const lit = await page.evaluate(() => {
      const c = (globalThis as unknown as ViewerPage).document.getElementById('raster');
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let k = 0; k < data.length; k += 4) if ((data[k + 2] ?? 0) > 60) n++;
      return n;
    });
    expect(lit).toBeGreaterThan(drawn);

    // Downloading the results goes through the same API.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toContain(id!);

    expect(pageErrors).toEqual([]);
  });

  it('replays an existing simulation opened by id', async () => {
    const client = new VolleyClient({ server: api.url });
    const sim = await client.submit(
      JSON.parse(await (await fetch(`${api.url}/examples/seed-three.json`)).text()),
    );
    await page.goto(`${api.url}/`);
    await page.waitForFunction(() => (globalThis as unknown as ViewerPage).volleyViewer?.status === 'idle');
    await page.fill('#open-id', sim.id);
    await page.click('#open-form button');
    expect(await waitForEnd(page)).toBe('done');
    const results = await client.results(sim.id);
    expect(await page.evaluate(() => (globalThis as unknown as ViewerPage).volleyViewer.spikesDrawn)).toBe(
      spikeCount(results),
    );

    // A deep link (#id) opens it too.
    await page.goto(`${api.url}/#${sim.id}`);
    expect(await waitForEnd(page)).toBe('done');
    expect(await page.evaluate(() => (globalThis as unknown as ViewerPage).volleyViewer.id)).toBe(sim.id);
    expect(pageErrors).toEqual([]);
  });

  it('validates while typing and marks each problem at its line and column', async () => {
    await page.goto(`${api.url}/`);
    await page.waitForFunction(() => (globalThis as unknown as ViewerPage).volleyViewer?.status === 'idle');
    await page.selectOption('#example', 'seed-single.json');
    await expect.poll(() => page.textContent('#validity'), { timeout: 10_000 }).toMatch(/^valid · 1 neuron /);

    const text = await page.inputValue('#spec');
    await page.fill('#spec', text.replace('"v > 0.8"', '"v > 0.8*mV"'));
    await expect.poll(() => page.textContent('#validity'), { timeout: 10_000 }).toMatch(/problem/);
    const problem = await page.textContent('#problems li');
    expect(problem).toMatch(/groups\.G\.threshold line 1 col \d+: /);
    expect(await page.textContent('#problems pre')).toContain('v > 0.8*mV\n');
    const marked = await page.textContent('.backdrop mark');
    expect(marked?.length).toBeGreaterThan(0);
    expect('v > 0.8*mV').toContain(marked!);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-errors.png') });

    await page.fill('#spec', '{\n  "version": 1,\n  "dt": 0.1*ms\n}');
    await expect
      .poll(() => page.textContent('#problems li'), { timeout: 5000 })
      .toContain("JSON line 3 col 12: unexpected '*'");
    expect(pageErrors).toEqual([]);
  });

  it('sends the API key from its field (and keeps it) when the server needs one', async () => {
    const secured = await startApi({ API_KEYS: 'viewer:viewer-secret' });
    try {
      await page.goto(`${secured.url}/`);
      await page.waitForFunction(() => (globalThis as unknown as ViewerPage).volleyViewer?.status === 'idle');
      await page.fill('#api-key', 'viewer-secret');
      await page.selectOption('#example', 'seed-single.json');
      await expect
        .poll(() => page.textContent('#validity'), { timeout: 10_000 })
        .toMatch(/^valid · 1 neuron /);
      await page.click('#submit');
      expect(await waitForEnd(page)).toBe('done');
      expect(
        await page.evaluate(() =>
          (globalThis as unknown as ViewerPage).localStorage.getItem('volley.apiKey'),
        ),
      ).toBe('viewer-secret');
      const id = await page.evaluate(() => (globalThis as unknown as ViewerPage).volleyViewer.id);
      const results = await new VolleyClient({ server: secured.url, key: 'viewer-secret' }).results(id!);
      expect(await page.evaluate(() => (globalThis as unknown as ViewerPage).volleyViewer.spikesDrawn)).toBe(
        spikeCount(results),
      );

      await page.fill('#api-key', 'wrong');
      await page.click('#submit');
      expect(await waitForEnd(page)).toBe('error');
      expect(await page.textContent('#run-message')).toContain('unauthorized');
      await page.evaluate(() =>
        (globalThis as unknown as ViewerPage).localStorage.removeItem('volley.apiKey'),
      );
    } finally {
      await secured.stop();
    }
  });

  it('keeps up with a stream of 100 000+ spikes per second without long frames', async () => {
    const spec = {
      version: 1,
      name: 'poisson-burst',
      dt: '0.1*ms',
      duration: '2*second',
      seed: 3,
      groups: { P: { type: 'poisson', N: 10000, rates: '40*Hz' } },
      monitors: { spikes: { type: 'spikes', source: 'P' } },
    };
    await page.goto(`${api.url}/`);
    await page.waitForFunction(() => (globalThis as unknown as ViewerPage).volleyViewer?.status === 'idle');
    await page.fill('#spec', JSON.stringify(spec, null, 2));
    // Measure the gaps between animation frames while the spikes arrive.
    await page.evaluate(() => {
      const w = globalThis as unknown as ViewerPage;
      w.frameGaps = [];
      let last = w.performance.now();
      const tick = (now: number) => {
        w.frameGaps.push(now - last);
        last = now;
        if (!['done', 'failed', 'error', 'cancelled'].includes(w.volleyViewer.status))
          w.requestAnimationFrame(tick);
      };
      w.requestAnimationFrame(tick);
    });
    const started = Date.now();
    await page.click('#submit');
    expect(await waitForEnd(page, 60_000)).toBe('done');
    const seconds = (Date.now() - started) / 1000;
    const { drawn, gaps, timing } = await page.evaluate(() => ({
      drawn: (globalThis as unknown as ViewerPage).volleyViewer.spikesDrawn,
      gaps: (globalThis as unknown as ViewerPage).frameGaps,
      timing: (globalThis as unknown as ViewerPage).volleyViewer.timing,
    }));
    const id = await page.evaluate(() => (globalThis as unknown as ViewerPage).volleyViewer.id);
    const results = await new VolleyClient({ server: api.url }).results(id!, { monitors: ['spikes'] });
    expect(drawn).toBe(spikeCount(results));
    expect(drawn).toBeGreaterThan(700_000);
    const sorted = [...gaps].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    const p95 = sorted[Math.floor(sorted.length * 0.95)] ?? 0;
    const perSpikeUs = ((timing.messageMs + timing.drawMs) * 1000) / drawn;
    console.log(
      `viewer: ${drawn} spikes in ${seconds.toFixed(2)} s (${Math.round(drawn / seconds)} spikes/s), ` +
        `${gaps.length} frames, median frame gap ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, ` +
        `max ${sorted.at(-1)?.toFixed(1)} ms; main thread ${timing.messageMs.toFixed(0)} ms handling + ` +
        `${timing.drawMs.toFixed(0)} ms drawing = ${perSpikeUs.toFixed(2)} µs per spike`,
    );
    // Smooth at 100 000 spikes/s: handling and drawing them takes well under a fifth of the main
    // thread (2 µs per spike), and frames keep coming at display rate. (The CI box is shared, so
    // the frame gaps are judged by their median, not their tail.)
    expect(perSpikeUs).toBeLessThan(2);
    expect(median).toBeLessThan(34);
    await page.screenshot({ path: join(ARTIFACTS, 'viewer-burst.png') });
  });
});
