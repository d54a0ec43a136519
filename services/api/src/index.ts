/** The API service's one public door: build the app, read its configuration. */
export { buildApp, API_VERSION, type BuildAppOptions } from './app.js';
export {
  loadConfig,
  ConfigError,
  CONFIG_VARIABLES,
  type ApiConfig,
  type ApiKey,
  type Limits,
} from './config.js';
export { ERRORS, ApiError, type ErrorCode, type ErrorEnvelope } from './errors.js';
export { Metrics } from './metrics.js';
export type { StreamOptions } from './routes/stream.js';
