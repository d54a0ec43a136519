/**
 * A one-line progress bar on a terminal. Silent when the stream is not a TTY (logs, pipes, CI),
 * and for work that finishes before `delayMs`, so short runs print nothing but their result.
 */
import type { WriteStream } from 'node:tty';

export interface ProgressBarOptions {
  /** Show nothing until this much time has passed (default 1000 ms). */
  delayMs?: number;
  /** Redraw at most this often (default 80 ms). */
  intervalMs?: number;
  /** Force on/off; by default on when the stream is a TTY. */
  enabled?: boolean;
}

export class ProgressBar {
  private readonly started = Date.now();
  private readonly delayMs: number;
  private readonly intervalMs: number;
  private readonly enabled: boolean;
  private lastDraw = 0;
  private shown = false;
  private fraction = 0;
  private label = '';

  constructor(
    private readonly out: NodeJS.WriteStream | WriteStream,
    options: ProgressBarOptions = {},
  ) {
    this.delayMs = options.delayMs ?? 1000;
    this.intervalMs = options.intervalMs ?? 80;
    this.enabled = options.enabled ?? this.out.isTTY === true;
  }

  get elapsedMs(): number {
    return Date.now() - this.started;
  }

  update(fraction: number, label: string): void {
    this.fraction = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
    this.label = label;
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.started < this.delayMs || now - this.lastDraw < this.intervalMs) return;
    this.draw(now);
  }

  /** Prints a line above the bar. */
  log(line: string): void {
    if (this.shown) this.out.write('\r\x1b[2K');
    this.out.write(line + '\n');
    if (this.shown) this.draw(Date.now());
  }

  /** Removes the bar. */
  done(): void {
    if (this.shown) this.out.write('\r\x1b[2K');
    this.shown = false;
  }

  private draw(now: number): void {
    this.lastDraw = now;
    this.shown = true;
    // A pseudo-terminal may report 0 columns.
    const columns = this.out.columns || 80;
    const pct = `${(this.fraction * 100).toFixed(0).padStart(3)}%`;
    const tail = ` ${pct}  ${this.label}${this.eta(now)}`;
    const width = Math.max(10, Math.min(40, columns - tail.length - 1));
    const filled = Math.round(this.fraction * width);
    const line = ('█'.repeat(filled) + '░'.repeat(width - filled) + tail).slice(0, columns - 1);
    this.out.write(`\r\x1b[2K${line}`);
  }

  private eta(now: number): string {
    if (this.fraction <= 0.01 || this.fraction >= 1) return '';
    const elapsed = (now - this.started) / 1000;
    const remaining = (elapsed * (1 - this.fraction)) / this.fraction;
    return `  ETA ${formatSeconds(remaining)}`;
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}
