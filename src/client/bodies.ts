/** Request bodies: what the SDK accepts, and streams that count and hash bytes as they pass. */
import type { Hasher } from './sha256.js';
import type { ProgressListener } from './types.js';

/** Anything an upload can be made from without a Node-only module. */
export type UploadBody = Blob | ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer | string;

/** The size of a body when it is known without reading it. */
export function sizeOf(body: UploadBody): number | undefined {
  if (typeof body === 'string') return new TextEncoder().encode(body).length;
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return body.byteLength;
  if (typeof Blob !== 'undefined' && body instanceof Blob) return body.size;
  return undefined;
}

export function isStream(body: unknown): body is ReadableStream<Uint8Array> {
  return typeof ReadableStream !== 'undefined' && body instanceof ReadableStream;
}

export function toStream(body: UploadBody): ReadableStream<Uint8Array> {
  if (isStream(body)) return body;
  if (typeof Blob !== 'undefined' && body instanceof Blob) return body.stream() as ReadableStream<Uint8Array>;
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body instanceof ArrayBuffer ? new Uint8Array(body) : body as Uint8Array;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

/** `stream` with every chunk fed to `hasher` (when given) and counted into `onProgress`. */
export function watched(stream: ReadableStream<Uint8Array>, options: { hasher?: Hasher | undefined; onProgress?: ProgressListener | undefined; totalBytes?: number | undefined; startBytes?: number }): ReadableStream<Uint8Array> {
  let transferred = options.startBytes ?? 0;
  const { hasher, onProgress, totalBytes } = options;
  if (!hasher && !onProgress) return stream;
  onProgress?.({ transferredBytes: transferred, totalBytes });
  return stream.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      hasher?.update(chunk);
      transferred += chunk.length;
      controller.enqueue(chunk);
      onProgress?.({ transferredBytes: transferred, totalBytes });
    },
  }));
}

/** True in a browser page or worker, where fetch cannot stream a request body over HTTP/1.1. */
export function inBrowser(): boolean {
  return typeof (globalThis as { document?: unknown }).document !== 'undefined' || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';
}

/** Reads a stream in pieces of a given size: the last may be shorter; null once the stream has ended. */
export class PieceReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #pending: Uint8Array | undefined;
  #done = false;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  async next(sizeBytes: number): Promise<Uint8Array | null> {
    const out = new Uint8Array(sizeBytes);
    let filled = 0;
    while (filled < sizeBytes) {
      let chunk = this.#pending;
      this.#pending = undefined;
      if (!chunk) {
        if (this.#done) break;
        const r = await this.#reader.read();
        if (r.done) {
          this.#done = true;
          break;
        }
        chunk = r.value;
      }
      const take = Math.min(chunk.length, sizeBytes - filled);
      out.set(chunk.subarray(0, take), filled);
      filled += take;
      if (take < chunk.length) this.#pending = chunk.subarray(take);
    }
    if (filled === 0) return null;
    return filled === sizeBytes ? out : out.subarray(0, filled);
  }

  cancel(reason?: unknown): Promise<void> {
    return this.#reader.cancel(reason);
  }
}

/** Hex SHA-256 of bytes in hand: WebCrypto where there is one, else `fallback`. */
export async function digestHex(bytes: Uint8Array, fallback: () => Hasher): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) {
    const digest = new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
    return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  const h = fallback();
  h.update(bytes);
  return h.digestHex();
}
