/**
 * Prometheus metrics, one registry per app (so several apps in one test process do not collide).
 * Job gauges are read from the backend at scrape time: the API keeps no job state of its own.
 */
import type { Backend, JobRecord, JobStatus } from '@volley/worker';
import client from 'prom-client';

const OBSERVED_CAP = 10_000;

const JOB_STATES: readonly JobStatus[] = ['queued', 'running', 'completed', 'failed', 'cancelled'];

export class Metrics {
  readonly registry = new client.Registry();

  readonly queueDepth = new client.Gauge({
    name: 'volley_queue_depth',
    help: 'Simulations waiting for a worker',
    registers: [this.registry],
  });

  readonly jobs = new client.Gauge({
    name: 'volley_jobs',
    help: 'Simulations by state, as the backend reports them',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly jobDuration = new client.Histogram({
    name: 'volley_job_duration_seconds',
    help: 'Wall time from start to finish of simulations, observed once when this process first sees one finished (record read, listing or stream end)',
    labelNames: ['status'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600],
    registers: [this.registry],
  });

  readonly jobsSubmitted = new client.Counter({
    name: 'volley_jobs_submitted_total',
    help: 'Simulations accepted and queued by this API process',
    registers: [this.registry],
  });

  readonly specsRejected = new client.Counter({
    name: 'volley_specs_rejected_total',
    help: 'Specs refused at the door',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly spikesStreamed = new client.Counter({
    name: 'volley_stream_spikes_total',
    help: 'Spikes sent to WebSocket clients',
    registers: [this.registry],
  });

  readonly messagesStreamed = new client.Counter({
    name: 'volley_stream_messages_total',
    help: 'Event-log messages sent to WebSocket clients',
    registers: [this.registry],
  });

  readonly streamPauses = new client.Counter({
    name: 'volley_stream_backpressure_pauses_total',
    help: 'Times a stream stopped reading the event log because its client was not keeping up',
    registers: [this.registry],
  });

  readonly wsClients = new client.Gauge({
    name: 'volley_websocket_clients',
    help: 'Open WebSocket stream connections',
    registers: [this.registry],
  });

  readonly httpDuration = new client.Histogram({
    name: 'volley_http_request_duration_seconds',
    help: 'HTTP request durations',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true)
      client.collectDefaultMetrics({ register: this.registry, prefix: 'volley_' });
  }

  /** Ids of finished jobs already observed, oldest first; bounded, so it is a cache, not job state. */
  readonly #observed = new Set<string>();

  /**
   * Observes a job's duration the first time this process sees it finished. Workers may run in
   * other processes, so the API learns of endings from the records and streams it serves.
   */
  noteJob(record: JobRecord): void {
    if (record.startedAt === undefined || record.finishedAt === undefined || this.#observed.has(record.id))
      return;
    const seconds = (Date.parse(record.finishedAt) - Date.parse(record.startedAt)) / 1000;
    if (!Number.isFinite(seconds) || seconds < 0) return;
    this.jobDuration.observe({ status: record.status }, seconds);
    this.#observed.add(record.id);
    if (this.#observed.size > OBSERVED_CAP) {
      const oldest = this.#observed.values().next();
      if (oldest.done !== true) this.#observed.delete(oldest.value);
    }
  }

  /** Refreshes the job gauges from the backend; a backend that cannot answer leaves them as they were. */
  async refreshJobs(backend: Backend): Promise<boolean> {
    try {
      const counts = await backend.counts();
      for (const state of JOB_STATES) this.jobs.set({ state }, counts[state]);
      this.queueDepth.set(counts.queued);
      return true;
    } catch {
      return false;
    }
  }
}
