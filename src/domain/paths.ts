/**
 * Paths as callers send them, made safe. A caller's path is relative to its
 * token's root; a missing leading '/' means the root. '.' and '..' segments,
 * NUL bytes and paths over 4096 bytes are invalid and never resolved, so
 * nothing can climb out of its root (DESIGN.md, "Paths"). Empty segments
 * ('//', a trailing '/') are dropped. Backslash is an ordinary character.
 */
import { OriginError } from './errors.js';

export const MAX_PATH_BYTES = 4096;

/** Segments of a caller path, or InvalidPath. The root is []. */
export function parseCallerPath(input: string): string[] {
  if (input.includes('\0')) throw new OriginError('InvalidPath', { reason: 'the path contains a NUL byte' });
  if (Buffer.byteLength(input, 'utf8') > MAX_PATH_BYTES) {
    throw new OriginError('InvalidPath', { reason: `the path is longer than ${MAX_PATH_BYTES} bytes` });
  }
  if (hasLoneSurrogate(input)) throw new OriginError('InvalidPath', { reason: 'the path is not valid Unicode' });
  const segments = input.split('/').filter((s) => s.length > 0);
  for (const s of segments) {
    if (s === '.' || s === '..') throw new OriginError('InvalidPath', { reason: `'${s}' segments are not allowed` });
  }
  return segments;
}

/** One name (a basename): no '/', not '.' or '..', not empty. */
export function checkName(name: string): string {
  if (name.length === 0) throw new OriginError('InvalidPath', { reason: 'empty file name' });
  if (name.includes('/')) throw new OriginError('InvalidPath', { reason: "a name cannot contain '/'" });
  parseCallerPath(name);
  return name;
}

/** Absolute namespace path of `segments` under `root` ("/acct/home"). */
export function underRoot(root: string, segments: readonly string[]): string {
  const base = root === '/' ? '' : root;
  const joined = segments.length === 0 ? base : `${base}/${segments.join('/')}`;
  return joined === '' ? '/' : joined;
}

/** Split an absolute namespace path into its segments. */
export function segmentsOf(absolute: string): string[] {
  return absolute.split('/').filter((s) => s.length > 0);
}

export function parentOf(absolute: string): string {
  const i = absolute.lastIndexOf('/');
  return i <= 0 ? '/' : absolute.slice(0, i);
}

export function baseName(absolute: string): string {
  return absolute.slice(absolute.lastIndexOf('/') + 1);
}

/** Is `path` equal to `root` or inside it? */
export function isWithin(root: string, path: string): boolean {
  if (root === '/') return true;
  return path === root || path.startsWith(root + '/');
}

function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const n = s.charCodeAt(i + 1);
      if (!(n >= 0xdc00 && n <= 0xdfff)) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}
