/** The worker service's one public door: backends, the worker, configuration. */
export type {
  Backend,
  JobError,
  JobRecord,
  JobStatus,
  Page,
  StreamMessage,
  SubmitRequest,
} from './backend.js';
export { loadConfig, ConfigError, type Config } from './config.js';
export { createBackend, startWorker } from './factory.js';
export { EmbeddedBackend } from './embedded-backend.js';
export { RedisBackend } from './redis-backend.js';
export { RedisWorker } from './redis-worker.js';
export { JOB_ERROR_CODES, type JobErrorCode } from './job-errors.js';
export { packResults, unpackResults } from './results-codec.js';
export type { Logger, WorkerHandle, WorkerOptions } from './worker-handle.js';
