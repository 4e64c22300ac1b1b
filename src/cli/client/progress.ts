/**
 * Progress bars with rate and time left, on a terminal only: nothing is
 * drawn when stderr is not a TTY or the output is --json, so scripts and
 * logs get clean output.
 */
import cliProgress from 'cli-progress';
import type { Progress } from '../../client/index.js';

export interface Bar {
  update(progress: Progress): void;
  /** A word after the numbers, e.g. "joining" once the bytes are sent. */
  note(text: string): void;
  stop(): void;
}

const QUIET: Bar = { update() {}, note() {}, stop() {} };

export function human(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function progressBar(label: string, options: { json: boolean; quiet?: boolean }): Bar {
  if (options.json || options.quiet || !process.stderr.isTTY) return QUIET;
  const bar = new cliProgress.SingleBar({
    format: `${label} |{bar}| {percentage}% {done}/{size} {rate}/s ETA {eta_formatted}{note}`,
    hideCursor: true,
    stopOnComplete: false,
    etaBuffer: 50,
    fps: 10,
    stream: process.stderr,
  }, cliProgress.Presets.shades_classic);
  const startedMs = Date.now();
  let started = false;
  let note = '';
  return {
    update({ transferredBytes, totalBytes }) {
      const total = totalBytes ?? Math.max(transferredBytes, 1);
      const seconds = Math.max((Date.now() - startedMs) / 1000, 0.001);
      const payload = { done: human(transferredBytes), size: totalBytes === undefined ? '?' : human(totalBytes), rate: human(Math.round(transferredBytes / seconds)), note };
      if (!started) {
        bar.start(total, transferredBytes, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(transferredBytes, payload);
      }
    },
    note(text) {
      note = ` ${text}`;
      if (started) bar.update({ note });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
