/**
 * A streamed body regrouped into the parts of an S3 multipart upload, built
 * in place as the chunks arrive.
 */
import { OriginError } from '../../domain/errors.js';

/** S3 takes at most this many parts in one upload. */
export const MAX_PARTS = 10_000;
const MAX_STREAMED_PART_BYTES = 128 * 1024 * 1024;

/** Below this a part is kept as the chunks that arrived; beyond it, as one buffer of the part's size. */
const SMALL_PART_BYTES = 1 << 20;

/**
 * `source` regrouped into parts of exactly `partBytes` (the last one
 * shorter), each flagged with whether it is the last: one part is held while
 * the next is gathered, so the first can be told to be the only one. Chunks
 * are copied into the part's buffer as they arrive and dropped at once, so
 * a part costs its own size and no more; a small body never allocates a
 * whole part.
 */
export async function* fixedParts(source: AsyncIterable<Buffer>, firstPartBytes: number): AsyncGenerator<{ bytes: Buffer; last: boolean }> {
  let held: Buffer | undefined;
  let count = 0;
  let partBytes = partSizeAt(firstPartBytes, 0);
  let small: Buffer[] = [];
  let part: Buffer | undefined;
  let filled = 0;
  for await (const chunk of source) {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(partBytes - filled, chunk.length - offset);
      if (part === undefined && filled + n < SMALL_PART_BYTES) {
        small.push(chunk.subarray(offset, offset + n));
      } else {
        if (part === undefined) {
          part = Buffer.allocUnsafe(partBytes);
          let at = 0;
          for (const b of small) at += b.copy(part, at);
          small = [];
        }
        chunk.copy(part, filled, offset, offset + n);
      }
      filled += n;
      offset += n;
      if (filled === partBytes) {
        if (held) yield { bytes: held, last: false };
        held = part ?? Buffer.concat(small, filled);
        part = undefined;
        small = [];
        filled = 0;
        partBytes = partSizeAt(firstPartBytes, ++count);
      }
    }
  }
  const rest = part ? part.subarray(0, filled) : Buffer.concat(small, filled);
  if (filled > 0) {
    if (held) yield { bytes: held, last: false };
    yield { bytes: rest, last: true };
  } else {
    yield { bytes: held ?? Buffer.alloc(0), last: true };
  }
}

/**
 * S3 takes at most 10,000 parts and the size of a streamed upload is not
 * known in advance, so parts grow: the first size for 1,000 parts, then
 * doubling every 1,000 parts up to MAX_STREAMED_PART_BYTES. With 8 MiB parts
 * one upload can reach about 870 GiB while memory stays bounded.
 */
function partSizeAt(firstPartBytes: number, index: number): number {
  return Math.max(firstPartBytes, Math.min(MAX_STREAMED_PART_BYTES, firstPartBytes * 2 ** Math.floor(index / 1000)));
}

/** Refuse part `number` beyond what the store takes. */
export function checkPartNumber(number: number): void {
  if (number > MAX_PARTS) throw new OriginError('TooLarge', { reason: `an upload to the object store is limited to ${MAX_PARTS} parts` });
}
