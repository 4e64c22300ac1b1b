/**
 * MediaVault URLs (spec/mediavault/security.md, mediavault_parameters.md):
 * `h` is the MD5 (hex) of the shared secret followed by the URL up to the
 * `&h=` term. Terms after `h` are not covered. With `p=<n>`, only the first
 * n characters of the URL before its query string are hashed, followed by
 * the query string.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The MediaVault hash of `url` (the URL up to, not including, its h term). */
export function mediaVaultHash(secret: string, url: string): string {
  return createHash('md5').update(secret + url, 'utf8').digest('hex');
}

/** `url` (which has a query string) with its h term appended. */
export function signMediaVaultUrl(secret: string, url: string): string {
  return `${url}&h=${mediaVaultHash(secret, url)}`;
}

export interface MediaVaultTerms {
  /** The URL up to the h term: what the hash covers (before any p truncation). */
  readonly signed: string;
  readonly hash: string;
  /** The terms before h, by name (the first of a repeated name). */
  readonly terms: ReadonlyMap<string, string>;
}

/** The MediaVault terms of a full URL, or undefined when it carries no h term. */
export function parseMediaVaultUrl(url: string): MediaVaultTerms | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  const parts = url.slice(q + 1).split('&');
  const terms = new Map<string, string>();
  let consumed = q + 1;
  for (const part of parts) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (name === 'h') {
      // The h term starts the query (…?h=) or follows an &: what precedes it is signed.
      const signed = url.slice(0, consumed === q + 1 ? q + 1 : consumed - 1);
      return { signed: signed.endsWith('?') ? signed.slice(0, -1) : signed, hash: value.toLowerCase(), terms };
    }
    if (!terms.has(name)) terms.set(name, safeDecode(value));
    consumed += part.length + 1;
  }
  return undefined;
}

/** The string hashed for `signed` (the URL up to h), honouring p. */
export function hashedPart(signed: string, prefixLength: number | undefined): string {
  if (prefixLength === undefined) return signed;
  const q = signed.indexOf('?');
  const base = q < 0 ? signed : signed.slice(0, q);
  const query = q < 0 ? '' : signed.slice(q);
  return base.slice(0, prefixLength) + query;
}

/** Does `hash` match `signed` under one of `secrets`? */
export function hashMatches(secrets: readonly string[], signed: string, hash: string, prefixLength?: number): boolean {
  const received = Buffer.from(hash, 'utf8');
  const text = hashedPart(signed, prefixLength);
  return secrets.some((secret) => {
    const expected = Buffer.from(mediaVaultHash(secret, text), 'utf8');
    return expected.length === received.length && timingSafeEqual(expected, received);
  });
}

/** r: the right-side match of the referrer's host name against one of the listed domains. */
export function referrerAllowed(allowed: string, referrer: string | undefined): boolean {
  if (referrer === undefined || referrer === '') return true;
  let host: string;
  try {
    host = new URL(referrer).hostname.toLowerCase();
  } catch {
    return false;
  }
  return allowed
    .split(',')
    .map((d) => d.trim().toLowerCase())
    .filter((d) => d !== '')
    .some((d) => host === d || host.endsWith(`.${d}`) || host.endsWith(d));
}

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v.replaceAll('+', ' '));
  } catch {
    return v;
  }
}
