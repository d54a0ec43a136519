// The Volley viewer: edit or pick a spec (validated as you type), run it on the server, and watch
// its spikes arrive live. Plain ES modules, no build step; served by the API at `/`.
//
// For tests, `window.volleyViewer` exposes `spikesDrawn` and `status` (idle, submitting, queued,
// running, done, failed, cancelled, error) plus the simulation `id`.

import { Api } from './api.js';
import { formatTime } from './axes.js';
import { locateJson } from './json-locate.js';
import { LiveStream } from './live-stream.js';
import { RasterPlot } from './raster.js';
import { RatePlot } from './rate-plot.js';
import { SpecEditor } from './spec-editor.js';

const $ = (id) => document.getElementById(id);
const KEY_STORAGE = 'volley.apiKey';
const VALIDATE_DELAY_MS = 400;

const keyInput = $('api-key');
keyInput.value = localStorage.getItem(KEY_STORAGE) ?? '';
keyInput.addEventListener('input', () => {
  localStorage.setItem(KEY_STORAGE, keyInput.value.trim());
  scheduleValidate();
});
const api = new Api(() => keyInput.value.trim());

const editor = new SpecEditor(
  { textarea: $('spec'), backdrop: document.querySelector('.backdrop'), list: $('problems') },
  () => scheduleValidate(),
);
const raster = new RasterPlot($('raster'), $('raster-axes'));
const rate = new RatePlot($('rate'));

const state = {
  status: 'idle',
  id: null,
  name: '',
  stream: null,
  messageMs: 0,
  // Stream throughput, spikes per wall-clock second over the last second.
  window: [],
};

window.volleyViewer = {
  get spikesDrawn() {
    return raster.spikesDrawn;
  },
  get spikesReceived() {
    return raster.spikesReceived;
  },
  get status() {
    return state.status;
  },
  get id() {
    return state.id;
  },
  /** Main-thread milliseconds spent handling stream messages and drawing, for performance tests. */
  get timing() {
    return { messageMs: state.messageMs, drawMs: raster.drawMs + rate.drawMs };
  },
};

// ---- status and run display -------------------------------------------------------------------

function setStatus(status) {
  state.status = status;
  const badge = $('sim-status');
  badge.textContent = status;
  badge.dataset.status = status;
  const active = status === 'queued' || status === 'running';
  $('cancel').hidden = !active;
  $('download').disabled = status !== 'done';
  $('submit').disabled = status === 'submitting';
}

function showRunMessage(text, kind = 'error') {
  const box = $('run-message');
  box.hidden = text === '';
  box.textContent = text;
  box.className = `run-message ${kind}`;
}

function formatCount(n) {
  return n.toLocaleString('en-US');
}

let statsFrame = 0;
function updateStats() {
  if (statsFrame !== 0) return;
  statsFrame = requestAnimationFrame(() => {
    statsFrame = 0;
    $('stat-spikes').textContent = formatCount(raster.spikesDrawn);
    $('stat-neurons').textContent = raster.neurons > 0 ? formatCount(raster.neurons) : '–';
    const now = performance.now();
    while (state.window.length > 0 && now - state.window[0].at > 1000) state.window.shift();
    const recent = state.window.reduce((s, w) => s + w.n, 0);
    $('stat-throughput').textContent = state.window.length > 0 ? `${formatCount(recent)} spikes/s` : '–';
  });
}

// ---- examples, upload, drop -------------------------------------------------------------------

async function loadExamples() {
  const select = $('example');
  let examples = [];
  try {
    const res = await fetch('examples/index.json');
    if (res.ok) examples = (await res.json()).examples ?? [];
  } catch {
    examples = [];
  }
  select.replaceChildren(new Option('— choose —', ''), ...examples.map((e) => new Option(e.name, e.file)));
  select.addEventListener('change', async () => {
    if (select.value === '') return;
    await loadExample(select.value);
  });
  if (editor.text.trim() === '' && examples.some((e) => e.file === 'seed-hundred.json')) {
    select.value = 'seed-hundred.json';
    await loadExample('seed-hundred.json');
  }
}

let exampleSeq = 0;

async function loadExample(file) {
  const seq = ++exampleSeq;
  const res = await fetch(`examples/${encodeURIComponent(file)}`);
  if (seq !== exampleSeq) return; // another example was picked meanwhile
  if (!res.ok) {
    editor.showMessage(`cannot load example ${file}: HTTP ${res.status}`);
    return;
  }
  const text = await res.text();
  if (seq !== exampleSeq) return;
  editor.text = text;
  void validateNow();
}

$('upload').addEventListener('change', async (ev) => {
  const file = ev.target.files?.[0];
  if (file === undefined) return;
  editor.text = await file.text();
  $('example').value = '';
  ev.target.value = '';
  void validateNow();
});

$('editor').addEventListener('dragover', (ev) => ev.preventDefault());
$('editor').addEventListener('drop', async (ev) => {
  const file = ev.dataTransfer?.files?.[0];
  if (file === undefined) return;
  ev.preventDefault();
  editor.text = await file.text();
  $('example').value = '';
  void validateNow();
});

// ---- validation as you type -------------------------------------------------------------------

let validateTimer = 0;
let validateSeq = 0;
let validateAbort = null;

function scheduleValidate() {
  clearTimeout(validateTimer);
  validateTimer = setTimeout(validateNow, VALIDATE_DELAY_MS);
}

function setValidity(text, kind = '') {
  const v = $('validity');
  v.textContent = text;
  v.className = `validity ${kind}`;
}

function describeSize(size) {
  const plural = (n, word) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(size.neurons, 'neuron')} · ~${plural(Math.round(size.synapses), 'synapse')} · ${plural(size.steps, 'step')}`;
}

async function validateNow() {
  clearTimeout(validateTimer);
  const seq = ++validateSeq;
  validateAbort?.abort();
  const text = editor.text;
  if (text.trim() === '') {
    editor.clear();
    setValidity('');
    return;
  }
  const parsed = locateJson(text);
  if (!parsed.ok) {
    editor.showSyntaxError(parsed.offset, parsed.message);
    setValidity('not valid JSON', 'bad');
    return;
  }
  setValidity('checking…');
  const abort = new AbortController();
  validateAbort = abort;
  try {
    const result = await api.validate(text, abort.signal);
    if (seq !== validateSeq) return;
    if (result.ok) {
      editor.clear();
      setValidity(`valid · ${describeSize(result.size)}`, 'ok');
    } else {
      editor.showDiagnostics(result.diagnostics, parsed.tree);
      const n = result.diagnostics.length;
      setValidity(`${n} problem${n === 1 ? '' : 's'}`, 'bad');
    }
  } catch (err) {
    if (seq !== validateSeq || abort.signal.aborted) return;
    editor.showMessage(`${err.code ? `${err.code}: ` : ''}${err.message}`);
    setValidity(err.code === 'limit_exceeded' ? 'too large for this server' : 'cannot validate', 'bad');
  }
}

// ---- running and watching ---------------------------------------------------------------------

/** Spike monitors that stream, with their sizes when the spec tells them. */
function spikeMonitors(spec) {
  const monitors = [];
  const groups = spec?.groups ?? {};
  for (const [name, m] of Object.entries(spec?.monitors ?? {})) {
    if (m?.type !== 'spikes' || m.stream === false) continue;
    const src = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+):(\d+)\])?$/.exec(String(m.source ?? ''));
    let n;
    if (src !== null) n = src[2] !== undefined ? Number(src[3]) - Number(src[2]) : groups[src[1]]?.N;
    monitors.push({ name, n: Number.isInteger(n) && n > 0 ? n : undefined });
  }
  return monitors;
}

async function submit() {
  const text = editor.text;
  const parsed = locateJson(text);
  if (!parsed.ok) {
    editor.showSyntaxError(parsed.offset, parsed.message);
    return;
  }
  setStatus('submitting');
  showRunMessage('');
  let sim;
  try {
    sim = await api.submit(text);
  } catch (err) {
    setStatus('error');
    if (err.diagnostics) {
      editor.showDiagnostics(err.diagnostics, parsed.tree);
      showRunMessage('The spec has errors: see the list under the editor.');
    } else {
      showRunMessage(`${err.code}: ${err.message}`);
    }
    return;
  }
  watch(sim, parsed.value);
}

/** Follows a simulation's stream from the start, with the spec when we have it. */
function watch(sim, spec) {
  state.stream?.stop();
  state.id = sim.id;
  state.name = sim.name ?? spec?.name ?? '';
  state.window = [];
  history.replaceState(null, '', `#${encodeURIComponent(sim.id)}`);
  $('sim-title').textContent = state.name !== '' ? `${state.name} · ${sim.id}` : sim.id;
  $('stat-seed').textContent = String(sim.seed ?? '–');
  $('stat-wall').textContent = '–';
  $('progress-bar').style.width = `${(sim.progress?.fraction ?? 0) * 100}%`;
  $('sim-info').textContent = '';
  showRunMessage('');
  raster.reset({ monitors: spikeMonitors(spec) });
  rate.reset(0);
  setStatus(
    sim.status === 'completed' || sim.status === 'failed' || sim.status === 'cancelled'
      ? 'running'
      : sim.status,
  );
  const id = sim.id;
  const stream = new LiveStream(
    (from) => {
      const url = api.streamUrl(id);
      url.searchParams.set('from', String(from));
      return url;
    },
    {
      message: (msg) => {
        const t0 = performance.now();
        onMessage(msg);
        state.messageMs += performance.now() - t0;
      },
      end: (final) => onEnd(final),
      fail: (err) => {
        setStatus('error');
        showRunMessage(`live stream: ${err.code}: ${err.message}`);
      },
      reconnecting: ({ attempt, delayMs }) =>
        showRunMessage(`connection lost; reconnecting in ${delayMs} ms (attempt ${attempt})…`, 'info'),
    },
  );
  state.stream = stream;
  stream.start(1);
}

function onMessage(msg) {
  switch (msg.type) {
    case 'status':
      if (msg.status === 'queued' || msg.status === 'running') setStatus(msg.status);
      showRunMessage('');
      break;
    case 'spikes':
      raster.addSpikes(msg.monitor, msg.i, msg.t);
      rate.addTimes(msg.t);
      state.window.push({ at: performance.now(), n: msg.i.length });
      updateStats();
      break;
    case 'progress': {
      if (state.status !== 'running') setStatus('running');
      // t is step·dt exactly, so the duration is t·steps/step.
      const duration =
        msg.step > 0 ? (msg.t * msg.steps) / msg.step : msg.fraction > 0 ? msg.t / msg.fraction : 0;
      raster.setDuration(duration);
      rate.setDuration(duration);
      rate.progress(msg.t, raster.neurons);
      $('progress-bar').style.width = `${(msg.fraction * 100).toFixed(1)}%`;
      $('sim-info').textContent =
        `t = ${formatTime(msg.t)} of ${formatTime(duration)} · step ${formatCount(msg.step)} / ${formatCount(msg.steps)}`;
      updateStats();
      break;
    }
    default:
      break;
  }
}

function onEnd(final) {
  // Draw what is still waiting for a frame, so `spikesDrawn` is final when the status says done.
  raster.flush();
  rate.draw();
  updateStats();
  if (final.type === 'done') {
    $('progress-bar').style.width = '100%';
    const s = final.stats;
    $('stat-wall').textContent = `${(s.wall_time_s * 1000).toFixed(1)} ms`;
    $('sim-info').textContent =
      `${formatCount(s.steps)} steps · ${formatCount(s.spikes)} spikes · ${formatCount(s.synaptic_events)} synaptic events · ` +
      `build ${(s.build_time_s * 1000).toFixed(1)} ms, loop ${(s.wall_time_s * 1000).toFixed(1)} ms`;
    $('stat-spikes').textContent = formatCount(raster.spikesDrawn);
    setStatus('done');
  } else {
    setStatus(final.status === 'cancelled' ? 'cancelled' : 'failed');
    showRunMessage(`${final.status}: ${final.error?.code ?? ''} ${final.error?.message ?? ''}`.trim());
  }
}

async function open(id) {
  id = id.trim();
  if (id === '') return;
  showRunMessage('');
  try {
    const sim = await api.get(id);
    watch(sim, undefined);
  } catch (err) {
    setStatus('error');
    showRunMessage(`${err.code}: ${err.message}`);
  }
}

async function download() {
  if (state.id === null) return;
  const btn = $('download');
  btn.disabled = true;
  try {
    const blob = await api.resultsBlob(state.id);
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${state.name || 'volley'}-${state.id}-results.json`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (err) {
    showRunMessage(`results: ${err.code}: ${err.message}`);
  } finally {
    btn.disabled = state.status !== 'done';
  }
}

async function cancel() {
  if (state.id === null) return;
  try {
    await api.cancel(state.id);
  } catch (err) {
    showRunMessage(`cancel: ${err.code}: ${err.message}`);
  }
}

$('submit').addEventListener('click', () => void submit());
$('spec').addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
    ev.preventDefault();
    void submit();
  }
});
$('download').addEventListener('click', () => void download());
$('cancel').addEventListener('click', () => void cancel());
$('open-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  void open($('open-id').value);
});

setStatus('loading');
await loadExamples();
setStatus('idle');
const fromHash = decodeURIComponent(location.hash.slice(1));
if (fromHash !== '') {
  $('open-id').value = fromHash;
  await open(fromHash);
}
