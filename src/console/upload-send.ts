/**
 * Sending one file: /post/raw below the multipart threshold, otherwise a
 * multipart upload (console.md: "imposes no file size limits") whose pieces
 * go three at a time, then the server's background join is awaited so the
 * file is in the listing when the row says done.
 */
import { ApiError, type ConsoleApi } from './api.js';
import type { Send } from './upload-queue.js';

export interface SendOptions {
  /** Files of at least this size go as multipart uploads. */
  readonly multipartThresholdBytes: number;
  readonly pieceBytes: number;
  readonly piecesInFlight: number;
  /** The server's --multipart-max-pieces (1000 by default). */
  readonly maxPieces: number;
}

export const DEFAULT_SEND: SendOptions = { multipartThresholdBytes: 64 * 1024 ** 2, pieceBytes: 16 * 1024 ** 2, piecesInFlight: 3, maxPieces: 1000 };

const STATE_SUCCESS = 6;
const FAILED_STATES = new Set([8, 9, 10, 11, 12]);

export function sender(api: ConsoleApi, options: SendOptions = DEFAULT_SEND): Send {
  return async (item, onProgress, signal) => {
    if (item.sizeBytes < options.multipartThresholdBytes) {
      await api.postRaw(item.folder, item.name, item.file, onProgress, signal);
      return;
    }
    await sendMultipart(api, options, item.file, item.folder, item.name, onProgress, signal);
  };
}

async function sendMultipart(
  api: ConsoleApi, options: SendOptions, file: Blob, folder: string, name: string, onProgress: (sent: number) => void, signal: AbortSignal,
): Promise<void> {
  // /multipart/create needs the folder to exist; a folder upload may be creating it.
  if (folder !== '/') await api.makeDir(folder, true).catch((err: unknown) => { if (!(err instanceof ApiError && err.code === -2)) throw err; });
  const mpid = await api.multipartCreate(folder, name);
  const pieceBytes = Math.max(options.pieceBytes, Math.ceil(file.size / options.maxPieces));
  const count = Math.ceil(file.size / pieceBytes);
  const sent = new Array<number>(count).fill(0);
  const report = () => onProgress(sent.reduce((a, b) => a + b, 0));
  let next = 0;
  const worker = async () => {
    while (next < count && !signal.aborted) {
      const i = next++;
      const piece = file.slice(i * pieceBytes, Math.min(file.size, (i + 1) * pieceBytes));
      await api.multipartPiece(mpid, i + 1, piece, (n) => { sent[i] = n; report(); }, signal);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.piecesInFlight, count) }, worker));
    if (signal.aborted) throw new DOMException('cancelled', 'AbortError');
    await api.multipartComplete(mpid);
  } catch (err) {
    await api.abortMultipart(mpid);
    throw err;
  }
  await joined(api, mpid, signal);
}

/** completeMultipart returns at once and the join runs on (DESIGN.md); wait for SUCCESS. */
async function joined(api: ConsoleApi, mpid: string, signal: AbortSignal): Promise<void> {
  for (let delayMs = 100; !signal.aborted; delayMs = Math.min(delayMs * 2, 2000)) {
    const { state, error } = await api.multipartState(mpid);
    if (state === STATE_SUCCESS) return;
    if (FAILED_STATES.has(state)) throw new ApiError('completeMultipart', error, `The server could not join the pieces (state ${state}).`);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}
