/**
 * `volley submit --watch`: follows a simulation's live stream on the terminal — status changes,
 * a progress bar with the spike rate — then prints the results summary. Ctrl-C stops watching,
 * not the simulation.
 */
import type { VolleyClient } from '../sdk.js';
import type { StreamMessage } from '../types.js';
import { ProgressBar } from './progress-bar.js';
import { formatCount, formatQuantity, formatRate, summarize } from './summary.js';
import { ExitCode, err, out } from './terminal.js';
import { writeResultsFromServer } from './remote-results.js';

export interface WatchOptions {
  label?: string;
  /** Neurons in the network, for the per-neuron rate. */
  neurons?: number;
  /** Write the results here when done. */
  resultsOut?: string;
}

/** Spike rate over a sliding window of simulated time. */
class RateMeter {
  private readonly marks: { t: number; spikes: number }[] = [{ t: 0, spikes: 0 }];
  total = 0;

  add(spikes: number): void {
    this.total += spikes;
  }

  /** Called at each progress message: spikes per simulated second over the last ~100 ms. */
  mark(t: number): number {
    this.marks.push({ t, spikes: this.total });
    while (this.marks.length > 2 && t - (this.marks[1] as { t: number }).t >= 0.1) this.marks.shift();
    const first = this.marks[0] as { t: number; spikes: number };
    const span = t - first.t;
    return span > 0 ? (this.total - first.spikes) / span : 0;
  }
}

export async function watchSimulation(
  client: VolleyClient,
  id: string,
  options: WatchOptions,
): Promise<number> {
  const bar = new ProgressBar(process.stderr, { delayMs: 0 });
  const tty = process.stderr.isTTY === true;
  const meter = new RateMeter();
  const controller = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  let final: StreamMessage | undefined;
  let status = 'queued';
  let lastLoggedFraction = -1;
  bar.update(0, 'queued');
  try {
    const stream = client.stream(id, {
      signal: controller.signal,
      onReconnect: ({ attempt, delayMs, error }) =>
        bar.log(
          `connection lost${error ? ` (${error.message})` : ''}; reconnecting in ${delayMs} ms (attempt ${attempt})`,
        ),
    });
    for await (const msg of stream) {
      switch (msg.type) {
        case 'status':
          if (msg.status !== status) {
            status = msg.status;
            bar.log(`${id}: ${status}`);
            bar.update(0, status);
          }
          break;
        case 'spikes':
          meter.add(msg.i.length);
          break;
        case 'progress': {
          const rate = meter.mark(msg.t);
          const perNeuron =
            options.neurons !== undefined && options.neurons > 0
              ? ` (${formatRate(rate / options.neurons)}/neuron)`
              : '';
          const label = `t ${formatQuantity(msg.t, 's')}  ${formatCount(meter.total)} spikes  ${formatRate(rate)}${perNeuron}`;
          bar.update(msg.fraction, label);
          if (!tty && msg.fraction - lastLoggedFraction >= 0.1) {
            lastLoggedFraction = msg.fraction;
            err(`${(msg.fraction * 100).toFixed(0)}%  ${label}`);
          }
          break;
        }
        case 'done':
        case 'error':
          final = msg;
          break;
        default:
          break;
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
    bar.done();
  }
  if (interrupted) {
    err(`stopped watching ${id}; it keeps running (stop it with: volley cancel ${id})`);
    return ExitCode.interrupted;
  }
  if (final?.type === 'error') {
    err(`${id} ${final.status}: ${final.error.code}: ${final.error.message}`);
    return ExitCode.failure;
  }
  if (options.resultsOut !== undefined) {
    await writeResultsFromServer(client, id, options.resultsOut, []);
    err(`wrote ${options.resultsOut}`);
  } else {
    const results = await client.results(id);
    out(summarize(results, options.label));
  }
  return ExitCode.ok;
}
