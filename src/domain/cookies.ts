/**
 * Listing cookies in the documented formats: listDir and listFile use a count
 * of entries already returned (uint64); listPath uses base64 of two big-endian
 * uint64, (directories returned, files returned) — see working_with_methods.md,
 * "If you are interested in seeing the values in a cookie".
 */
import { OriginError } from './errors.js';

export interface PathCookie {
  readonly dirs: number;
  readonly files: number;
}

export function encodePathCookie(c: PathCookie): string {
  const buf = Buffer.alloc(16);
  buf.writeBigUInt64BE(BigInt(c.dirs), 0);
  buf.writeBigUInt64BE(BigInt(c.files), 8);
  return buf.toString('base64');
}

/** '' or null start a listing; anything else must decode to 16 bytes. */
export function decodePathCookie(cookie: string | null): PathCookie {
  if (cookie === null || cookie === '') return { dirs: 0, files: 0 };
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(cookie) || cookie.length % 4 !== 0) {
    throw new OriginError('InvalidCookie', { reason: 'the cookie is not base64' });
  }
  const buf = Buffer.from(cookie, 'base64');
  if (buf.length !== 16) throw new OriginError('InvalidCookie', { reason: 'the cookie does not hold two counters' });
  const dirs = buf.readBigUInt64BE(0);
  const files = buf.readBigUInt64BE(8);
  if (dirs > BigInt(Number.MAX_SAFE_INTEGER) || files > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new OriginError('InvalidCookie', { reason: 'the cookie counters are out of range' });
  }
  return { dirs: Number(dirs), files: Number(files) };
}

/** A listDir/listFile cookie: a non-negative integer count. */
export function checkCountCookie(cookie: number): number {
  if (!Number.isSafeInteger(cookie) || cookie < 0) {
    throw new OriginError('InvalidCookie', { reason: 'the cookie must be a non-negative integer' });
  }
  return cookie;
}

export const MAX_PAGE_SIZE = 10000;

export function checkPageSize(pageSize: number): number {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new OriginError('InvalidPageSize', { reason: `pageSize must be between 1 and ${MAX_PAGE_SIZE}` });
  }
  return pageSize;
}
