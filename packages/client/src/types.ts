/**
 * The wire shapes the SDK speaks. They are the API's own schemas (`@volley/spec`, inferred from
 * zod), so the SDK, the API and the viewer cannot drift apart; only the few shapes that have no
 * schema of their own are declared here.
 */
import type { Diagnostic, JobStatus, NetworkSize, StreamMessage } from '@volley/spec';

export type {
  Diagnostic,
  JobError as SimulationError,
  JobStatus as SimulationStatus,
  MonitorResult,
  NetworkSize,
  Results,
  RunStats,
  Simulation,
  SimulationList,
  StreamEvent,
  StreamMessage,
} from '@volley/spec';

/** Statuses after which nothing changes any more. */
export const FINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

/** `POST /v1/validate`: a valid spec's size, or its diagnostics (the API's 400 `invalid_spec`). */
export type Validation = { ok: true; size: NetworkSize } | { ok: false; diagnostics: Diagnostic[] };

export type SpikesMessage = Extract<StreamMessage, { type: 'spikes' }>;
export type ProgressMessage = Extract<StreamMessage, { type: 'progress' }>;
export type FinalMessage = Extract<StreamMessage, { type: 'done' | 'error' }>;

/** Whether this message ends the stream. */
export function isFinalMessage(msg: StreamMessage): msg is FinalMessage {
  return msg.type === 'done' || msg.type === 'error';
}
