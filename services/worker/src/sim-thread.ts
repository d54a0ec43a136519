/**
 * The piscina task: compiles and runs one simulation in a worker thread. Each chunk's events go to
 * the job's MessagePort as JSON bodies (serialized here, off the worker's event loop); the results
 * come back packed and compressed. Cancellation is piscina terminating this thread.
 *
 * Flow control: the thread stops producing while more than `maxInFlight` chunks are posted but not
 * yet written by the worker (`acked`, a shared counter), so a fast network cannot fill the
 * worker's memory faster than Redis takes the events.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { compile, run, SpecRuntimeError } from '@volley/sim';
import type { Chunk, RunStats } from '@volley/sim';
import { packResults } from './results-codec.js';
import type { ChunkMessage, EndMessage, SimTask, SimTaskResult } from './sim-protocol.js';

/** Returns a `SimTaskResult` (wrapped so piscina transfers the packed results instead of copying them). */
export default function simulate(task: SimTask): SimTaskResult | ReturnType<typeof move> {
  const { port, acked, maxInFlight, stop } = task;
  const stopped = () => Atomics.load(stop, 0) !== 0;
  const compiled = compile(task.spec);
  if (!compiled.ok) {
    port.postMessage({ kind: 'end', chunks: 0 } satisfies EndMessage);
    return { ok: false, diagnostics: compiled.diagnostics };
  }
  let posted = 0;
  const onChunk = (chunk: Chunk) => {
    for (;;) {
      const done = Atomics.load(acked, 0);
      if (posted - done < maxInFlight || stopped()) break;
      Atomics.wait(acked, 0, done, 250);
    }
    let progress: ChunkMessage['progress'] = null;
    const bodies: string[] = [];
    for (const event of chunk.events) {
      if (event.type === 'progress') progress = { t: event.t, fraction: event.fraction };
      // `{"type":…}` minus its `{`, so the worker prefixes `{"seq":N,` without parsing it again.
      bodies.push(JSON.stringify(event).slice(1));
    }
    port.postMessage({ kind: 'chunk', bodies, progress } satisfies ChunkMessage);
    posted++;
  };
  const options =
    task.chunkSteps === undefined
      ? { id: task.id, onChunk, shouldStop: stopped }
      : { id: task.id, onChunk, shouldStop: stopped, chunkSteps: task.chunkSteps };
  let results: ReturnType<typeof run>;
  try {
    results = run(compiled.program, options);
  } catch (err) {
    // Mistakes that only show once the network is built are the user's, reported like compile errors.
    if (!(err instanceof SpecRuntimeError)) throw err;
    port.postMessage({ kind: 'end', chunks: posted } satisfies EndMessage);
    return { ok: false, diagnostics: [err.diagnostic()] };
  }
  const stats: RunStats = results.stats;
  const packed = packResults(results);
  // Transferred, so it must own its whole ArrayBuffer: zlib's output (like any small Buffer) may be
  // a view into a shared pool, which must neither be sent as a whole nor taken away from the thread.
  const own = new Uint8Array(packed.byteLength);
  own.set(packed);
  port.postMessage({ kind: 'end', chunks: posted } satisfies EndMessage);
  const result: SimTaskResult = { ok: true, packed: own, stats };
  return move({ [transferableSymbol]: own.buffer, [valueSymbol]: result });
}
