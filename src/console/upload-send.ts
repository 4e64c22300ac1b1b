/**
 * Sending one file of the queue through the client's uploadFile: /post/raw
 * below the multipart threshold, otherwise a multipart upload with pieces
 * in parallel (console.md: "imposes no file size limits"), awaited until
 * the server has joined it, so a row says done only when the file is there.
 */
import type { ConsoleApi } from './api.js';
import { joinPath } from './paths.js';
import type { Send } from './upload-queue.js';

export interface SendOptions {
  /** Files above this size go as multipart uploads. */
  readonly multipartThresholdBytes: number;
  readonly pieceBytes: number;
  readonly piecesInFlight: number;
}

export const DEFAULT_SEND: SendOptions = { multipartThresholdBytes: 64 * 1024 ** 2, pieceBytes: 16 * 1024 ** 2, piecesInFlight: 3 };

export function sender(api: ConsoleApi, options: SendOptions = DEFAULT_SEND): Send {
  return async (item, onProgress, signal) => {
    await api.upload(item.file, joinPath(item.folder, item.name), {
      multipartThresholdBytes: options.multipartThresholdBytes, partSizeBytes: options.pieceBytes, concurrency: options.piecesInFlight, onProgress, signal,
    });
  };
}
