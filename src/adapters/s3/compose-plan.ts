/**
 * How to build one object from several inside S3: the parts of a multipart
 * upload, each either copied from a source object by the store itself
 * (UploadPartCopy) or uploaded from bytes read through this process. S3
 * refuses a part under 5 MiB unless it is the last one, and copies at most
 * 5 GiB per part, so small sources are gathered into uploaded parts (topped
 * up from the head of the next large source when needed) and large sources
 * are copied in ranges. Only the small sources' bytes and at most 5 MiB per
 * boundary travel through this process; everything else stays in the store.
 */

/** [start, end) of one source. */
export interface Segment {
  readonly source: number;
  readonly start: number;
  readonly end: number;
}

export type PartPlan =
  | { readonly kind: 'copy'; readonly segment: Segment }
  | { readonly kind: 'upload'; readonly segments: readonly Segment[]; readonly sizeBytes: number };

export interface PlanLimits {
  readonly minPartBytes: number;
  /** Uploaded parts are flushed once they reach this size. */
  readonly targetPartBytes: number;
  readonly maxCopyPartBytes: number;
  readonly maxParts: number;
}

export const S3_LIMITS: PlanLimits = {
  minPartBytes: 5 * 1024 ** 2,
  targetPartBytes: 8 * 1024 ** 2,
  maxCopyPartBytes: 5 * 1024 ** 3,
  maxParts: 10_000,
};

export function planParts(sizes: readonly number[], limits: PlanLimits = S3_LIMITS): PartPlan[] {
  const parts: PartPlan[] = [];
  let pending: Segment[] = [];
  let pendingBytes = 0;
  const flush = (): void => {
    if (pendingBytes === 0) return;
    parts.push({ kind: 'upload', segments: pending, sizeBytes: pendingBytes });
    pending = [];
    pendingBytes = 0;
  };
  sizes.forEach((size, source) => {
    let offset = 0;
    if (pendingBytes > 0 && size >= limits.minPartBytes) {
      if (pendingBytes < limits.minPartBytes) {
        let take = limits.minPartBytes - pendingBytes;
        // What would be left to copy must itself be a valid (non-last) part.
        if (size - take < limits.minPartBytes) take = size;
        pending.push({ source, start: 0, end: take });
        pendingBytes += take;
        offset = take;
      }
      flush();
    }
    const remaining = size - offset;
    if (remaining >= limits.minPartBytes) {
      const count = Math.ceil(remaining / limits.maxCopyPartBytes);
      const each = Math.ceil(remaining / count);
      for (let start = offset; start < size; start += each) {
        parts.push({ kind: 'copy', segment: { source, start, end: Math.min(size, start + each) } });
      }
    } else if (remaining > 0) {
      pending.push({ source, start: offset, end: size });
      pendingBytes += remaining;
      if (pendingBytes >= limits.targetPartBytes) flush();
    }
  });
  flush();
  if (parts.length > limits.maxParts) throw new Error(`${parts.length} parts is more than the store's ${limits.maxParts}`);
  return parts;
}
