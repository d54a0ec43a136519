/** Messages between the worker's event loop and a simulation thread (internal). */
import type { MessagePort } from 'node:worker_threads';
import type { Diagnostic, RunStats } from '@volley/sim';

export interface SimTask {
  spec: unknown;
  id: string;
  /** Where the thread posts `ChunkMessage`s, then one `EndMessage`. */
  port: MessagePort;
  /** Shared counter (index 0) of chunks the worker has written; see `maxInFlight`. */
  acked: Int32Array;
  /** Chunks the thread may be ahead of the worker before it waits. */
  maxInFlight: number;
  /** Shared flag (index 0): non-zero asks the thread to stop after its current chunk. */
  stop: Int32Array;
  chunkSteps?: number;
}

export interface ChunkMessage {
  kind: 'chunk';
  /** Each event of the chunk as JSON without its opening `{`. */
  bodies: string[];
  /** The chunk's progress event, if any. */
  progress: { t: number; fraction: number } | null;
}

export interface EndMessage {
  kind: 'end';
  chunks: number;
}

export type SimTaskResult =
  { ok: true; packed: Uint8Array; stats: RunStats } | { ok: false; diagnostics: Diagnostic[] };
