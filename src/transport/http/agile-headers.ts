/** Reading X-Agile-* request headers: booleans, encodings, paths, numbers. */
import type { IncomingHttpHeaders } from 'node:http';
import { canonicalContentType, parseContentDetect, type ContentDetect } from '../../domain/content-types.js';
import { OriginError, type ErrorKind } from '../../domain/errors.js';
import { isValidMtime } from '../../domain/times.js';
import type { ContentChoice } from '../../service/content-sniff.js';

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** true/yes/1 and false/no/0 (working_with_directories_http.md), case-insensitive. */
export function parseFlag(value: string | undefined, fallback: boolean, kind: ErrorKind): boolean {
  if (value === undefined) return fallback;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === 'yes' || v === '1') return true;
  if (v === 'false' || v === 'no' || v === '0') return false;
  throw new OriginError(kind, { reason: `'${value}' is not one of true, yes, 1, false, no, 0` });
}

/** X-Agile-Encoding: absent means US-ASCII paths; UTF8 means URI-quoted UTF-8 paths. */
export function parseEncoding(value: string | undefined): 'ascii' | 'utf8' {
  if (value === undefined) return 'ascii';
  const v = value.trim().toUpperCase();
  if (v === 'UTF8' || v === 'UTF-8') return 'utf8';
  throw new OriginError('InvalidEncoding', { reason: 'X-Agile-Encoding accepts only UTF8' });
}

/**
 * A path or name from a header. Node hands header bytes over as latin1;
 * bytes that form valid UTF-8 are read as UTF-8, which is what clients that
 * send raw UTF-8 in headers mean (docs/compatibility.md). Under UTF8 the
 * value is then URI-unquoted ('+' and %20 are spaces); the raw bytes are
 * read first because the vendor's own /account/login sample sends its UTF8
 * sub-directory unquoted.
 */
export function decodePathHeader(value: string, encoding: 'ascii' | 'utf8'): string {
  const text = utf8FromHeader(value);
  if (encoding === 'ascii') return text;
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    throw new OriginError('InvalidPath', { reason: 'the path is not correctly URI-quoted' });
  }
}

function utf8FromHeader(value: string): string {
  if (/^[\x00-\x7f]*$/.test(value)) return value;
  const text = Buffer.from(value, 'latin1').toString('utf8');
  if (text.includes('\uFFFD')) throw new OriginError('InvalidPath', { reason: 'the path is neither ASCII nor UTF-8' });
  return text;
}

/** Quote a path for X-Agile-Path under UTF8 (RFC 3986, keeping '/'). */
export function quotePath(path: string): string {
  return encodeURIComponent(path).replaceAll('%2F', '/');
}

/** Seconds since the epoch; 0 means now. */
export function parseMtime(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (!/^\d{1,15}$/.test(v) || !isValidMtime(Number(v))) {
    throw new OriginError('InvalidMtime', { reason: 'mtime must be whole seconds since the epoch, up to the year 9999' });
  }
  return Number(v);
}

export function parseChecksum(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(v)) throw new OriginError('ChecksumMismatch', { reason: 'X-Agile-Checksum is not a hex SHA-256 digest' });
  return v;
}

const EXPOSE_EGRESS = new Set(['PARTIAL', 'COMPLETE', 'POLICY']);

/**
 * Every upload is published whole when complete, so all three values behave
 * as COMPLETE; an unknown one is refused (docs/compatibility.md).
 */
export function checkExposeEgress(value: string | undefined): void {
  if (value !== undefined && !EXPOSE_EGRESS.has(value.trim().toUpperCase())) {
    throw new OriginError('InvalidExposeEgress', { reason: 'expose_egress accepts PARTIAL, COMPLETE or POLICY' });
  }
}

/**
 * X-Agile-Content-Type and X-Agile-Content-Detect (and their legacy X-Content-*
 * names). The type must be one of the spec's table; the legacy detection
 * words name/content/auto are still honoured in X-Agile-Content-Type, but
 * `auto` in the old X-Content-Type is an error, as the spec says.
 * `invalidTypeFallsBack` is /post/file's rule: "If this header is not present
 * or the content type provided in it is invalid, the content type will be
 * derived from the Content-Type field of the MIME-encoded attachment", and
 * -33 there is for the X-Content-Type header only.
 */
export function contentChoiceFromHeaders(headers: IncomingHttpHeaders, options: { invalidTypeFallsBack?: boolean } = {}): ContentChoice {
  const detectHeader = header(headers, 'x-agile-content-detect') ?? header(headers, 'x-content-detect');
  let detect: ContentDetect | undefined;
  if (detectHeader !== undefined) {
    detect = parseContentDetect(detectHeader);
    if (!detect) throw new OriginError('InvalidContentDetect', { reason: 'X-Agile-Content-Detect accepts name, content or auto' });
  }
  const legacy = header(headers, 'x-content-type');
  if (legacy !== undefined && legacy.trim().toLowerCase() === 'auto') {
    throw new OriginError('InvalidContentType', { reason: "X-Content-Type: auto is no longer accepted; use X-Agile-Content-Detect: auto" });
  }
  const agileType = header(headers, 'x-agile-content-type');
  const typeHeader = agileType ?? legacy;
  if (typeHeader === undefined) return { detect };
  const asDetect = parseContentDetect(typeHeader);
  if (asDetect) return { detect: asDetect };
  const explicit = canonicalContentType(typeHeader);
  if (!explicit && options.invalidTypeFallsBack && agileType !== undefined) return { detect };
  if (!explicit) throw new OriginError('InvalidContentType', { reason: `'${typeHeader}' is not a supported content type` });
  return { explicit, detect };
}
