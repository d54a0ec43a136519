/**
 * @volley/client — the typed SDK of the Volley API. The `volley` CLI lives in `cli.ts` and is not
 * part of this door.
 */
export {
  VolleyClient,
  type VolleyClientOptions,
  type RequestOptions,
  type ListOptions,
  type ResultsOptions,
} from './sdk.js';
export { VolleyError, ClientErrorCode, type VolleyErrorInit, type ErrorEnvelope } from './errors.js';
export type { StreamOptions } from './stream.js';
export type { WebSocketConstructorLike, WebSocketLike } from './socket.js';
export {
  FINAL_STATUSES,
  isFinalMessage,
  type Simulation,
  type SimulationStatus,
  type SimulationError,
  type Validation,
  type SimulationList,
  type FinalMessage,
  type StreamMessage,
  type SpikesMessage,
  type ProgressMessage,
  type Diagnostic,
  type NetworkSize,
  type Results,
  type RunStats,
  type StreamEvent,
  type MonitorResult,
} from './types.js';
