/** Copies a results document from the server to a file (or stdout) as bytes, never as one string. */
import { createWriteStream } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { VolleyClient } from '../sdk.js';
import { CliError } from './terminal.js';

export async function writeResultsFromServer(
  client: VolleyClient,
  id: string,
  path: string,
  monitors: readonly string[],
): Promise<void> {
  const res = await client.resultsResponse(id, monitors.length > 0 ? { monitors } : {});
  if (res.body === null) throw new CliError(`the server sent no results body for ${id}`);
  const source = Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>);
  const sink: Writable = path === '-' ? process.stdout : createWriteStream(path);
  try {
    await pipeline(source, sink, { end: path !== '-' });
  } catch (e) {
    throw new CliError(`cannot write ${path}: ${(e as Error).message}`);
  }
}
