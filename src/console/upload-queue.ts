/**
 * The upload queue of console.md ("Uploading Files"): at most 50 files
 * waiting or sending at once, two sending at a time, each cancellable, with
 * progress per file and overall (rate over the last few seconds, time left).
 * The sending itself is injected, so the queue is tested without a server.
 */

export const MAX_QUEUED = 50;
export const MAX_IN_FLIGHT = 2;
const RATE_WINDOW_MS = 5000;

export type UploadState = 'queued' | 'sending' | 'done' | 'failed' | 'cancelled';

export interface UploadItem {
  readonly id: number;
  readonly file: Blob;
  /** Destination folder, relative to the token's root. */
  readonly folder: string;
  readonly name: string;
  readonly sizeBytes: number;
  sentBytes: number;
  state: UploadState;
  error: string;
  readonly controller: AbortController;
}

export type Send = (item: UploadItem, onProgress: (sentBytes: number) => void, signal: AbortSignal) => Promise<void>;

export interface Totals {
  readonly files: number;
  readonly finished: number;
  readonly failed: number;
  readonly sizeBytes: number;
  readonly sentBytes: number;
  readonly bytesPerSecond: number;
  /** NaN until a rate is known. */
  readonly secondsLeft: number;
}

export interface NewUpload {
  readonly file: Blob;
  readonly folder: string;
  readonly name: string;
}

export class UploadQueue {
  readonly items: UploadItem[] = [];
  #nextId = 1;
  #samples: { atMs: number; sent: number }[] = [];

  constructor(
    private readonly send: Send,
    private readonly onChange: () => void,
    private readonly onDone: (item: UploadItem) => void,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  get active(): UploadItem[] {
    return this.items.filter((i) => i.state === 'queued' || i.state === 'sending');
  }

  /** Queue what fits under MAX_QUEUED; returns how many were refused. */
  add(uploads: readonly NewUpload[]): number {
    const room = Math.max(0, MAX_QUEUED - this.active.length);
    if (this.active.length === 0) this.#clearFinished();
    for (const u of uploads.slice(0, room)) {
      this.items.push({ id: this.#nextId++, file: u.file, folder: u.folder, name: u.name, sizeBytes: u.file.size, sentBytes: 0, state: 'queued', error: '', controller: new AbortController() });
    }
    this.#pump();
    this.onChange();
    return Math.max(0, uploads.length - room);
  }

  cancel(id: number): void {
    const item = this.items.find((i) => i.id === id);
    if (!item || (item.state !== 'queued' && item.state !== 'sending')) return;
    item.state = 'cancelled';
    item.controller.abort();
    this.#pump();
    this.onChange();
  }

  cancelAll(): void {
    for (const item of this.active) {
      item.state = 'cancelled';
      item.controller.abort();
    }
    this.onChange();
  }

  /** Finished rows go; what is still running stays. */
  clearFinished(): void {
    this.#clearFinished();
    this.onChange();
  }

  totals(): Totals {
    const counted = this.items.filter((i) => i.state !== 'cancelled');
    const sizeBytes = counted.reduce((n, i) => n + i.sizeBytes, 0);
    const sentBytes = counted.reduce((n, i) => n + Math.min(i.sentBytes, i.sizeBytes), 0);
    const now = this.nowMs();
    this.#samples.push({ atMs: now, sent: sentBytes });
    while (this.#samples.length > 2 && now - this.#samples[0]!.atMs > RATE_WINDOW_MS) this.#samples.shift();
    const first = this.#samples[0]!;
    const elapsedMs = now - first.atMs;
    const bytesPerSecond = elapsedMs > 0 ? ((sentBytes - first.sent) * 1000) / elapsedMs : 0;
    return {
      files: counted.length,
      finished: counted.filter((i) => i.state === 'done').length,
      failed: counted.filter((i) => i.state === 'failed').length,
      sizeBytes,
      sentBytes,
      bytesPerSecond,
      secondsLeft: bytesPerSecond > 0 ? (sizeBytes - sentBytes) / bytesPerSecond : Number.NaN,
    };
  }

  #clearFinished(): void {
    const keep = this.active;
    this.items.splice(0, this.items.length, ...keep);
    this.#samples = [];
  }

  #pump(): void {
    while (this.items.filter((i) => i.state === 'sending').length < MAX_IN_FLIGHT) {
      const next = this.items.find((i) => i.state === 'queued');
      if (!next) return;
      next.state = 'sending';
      void this.#run(next);
    }
  }

  async #run(item: UploadItem): Promise<void> {
    try {
      await this.send(item, (sent) => {
        item.sentBytes = sent;
        this.onChange();
      }, item.controller.signal);
      if (item.state === 'sending') {
        item.state = 'done';
        item.sentBytes = item.sizeBytes;
        this.onDone(item);
      }
    } catch (err) {
      if (item.state === 'sending') {
        item.state = 'failed';
        item.error = err instanceof Error ? err.message : String(err);
      }
    }
    this.#pump();
    this.onChange();
  }
}
