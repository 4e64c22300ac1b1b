/**
 * Building blocks for malformed requests, driven by a seeded PRNG so that a
 * failing case can be replayed: the same seed gives the same requests in the
 * same order.
 */

/** mulberry32: small, fast and good enough to pick test inputs. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** One of `weighted` by weight: [[weight, value], ...]. */
  weighted<T>(weighted: readonly (readonly [number, T])[]): T {
    const total = weighted.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of weighted) {
      if ((r -= w) < 0) return v;
    }
    return weighted[weighted.length - 1]![1];
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

/** Path segments that try to climb, confuse a decoder or break a limit. */
const SEGMENTS = [
  '..', '.', '...', '....', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '..%2F', '%2F', '%2f..%2f', '%252e%252e', '..;', '..\\', '\\..\\',
  '%00', '\u0000', '%', '%zz', '%E0%A4%A', 'a', 'b c', 'c+d', 'файл', '今日は', '\ud800', '\udfff', '~', '$HOME', '*', '?', '#', ';',
  'carol', 'acme', '', ' ', '\t', 'x'.repeat(255), 'CON', 'nul', '.hidden', 'trailing.', '\u202e', '\uFEFF',
];

export function randomPath(rng: Prng): string {
  return rng.weighted<() => string>([
    [10, () => {
      const parts = Array.from({ length: 1 + rng.int(6) }, () => rng.pick(SEGMENTS));
      return (rng.chance(0.7) ? '/' : '') + parts.join(rng.chance(0.85) ? '/' : '\\') + (rng.chance(0.1) ? '/' : '');
    }],
    [2, () => `/../${rng.pick(['acme', '..', 'etc/passwd', 'outside.txt', 'acme/outside.txt'])}`],
    [1, () => `/${'a'.repeat(4097 + rng.int(4000))}`],
    [1, () => 'd/'.repeat(2049 + rng.int(100))],
    [1, () => `/${'é'.repeat(2049)}`],
    [1, () => rng.pick(['', '/', '//', '///', '.', './', '/./', '/..', '..', '\\', '/\\/'])],
  ])();
}

/** A value of any JSON type, including the awkward ones. */
export function randomJson(rng: Prng, depth = 0): unknown {
  return rng.weighted<() => unknown>([
    [4, () => randomPath(rng)],
    [3, () => rng.pick([0, 1, -1, 2, 100, 10001, -10001, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308, 0.5, -0.0001, 1e-300])],
    [2, () => rng.pick(['', '0', '1', '-1', '10000', '1e5', 'NaN', 'Infinity', 'true', 'false', 'null', ' 5 ', '0x10', '٣'])],
    [2, () => rng.pick([true, false, null])],
    [1, () => (depth > 2 ? [] : Array.from({ length: rng.int(4) }, () => randomJson(rng, depth + 1)))],
    [1, () => (depth > 2 ? {} : Object.fromEntries(Array.from({ length: rng.int(4) }, () => [rng.pick(['a', 'path', 'token', '__proto__', 'constructor', '']), randomJson(rng, depth + 1)])))],
    [1, () => 'z'.repeat(rng.pick([1000, 10_000, 70_000]))],
  ])();
}

/** JSON numbers JSON.stringify cannot write: swapped in for placeholders in the text. */
export const NUMBER_LITERALS = ['1e999', '-1e999', '123456789012345678901234567890', '-0', '0.0000000000000000000000001', '1E400', '9007199254740993'];

/** A header value as a client might mangle it; never contains CR, LF or NUL (fetch refuses those). */
export function randomHeaderValue(rng: Prng): string {
  return rng.weighted<() => string>([
    [4, () => toHeaderSafe(randomPath(rng))],
    [2, () => rng.pick(['', ' ', 'true', 'TRUE', 'yes', '1', '0', 'no', 'false', 'maybe', '2', '-1', 'tru e', 'null', 'undefined'])],
    [2, () => rng.pick(['UTF8', 'utf8', 'UTF-8', 'latin1', 'ascii', 'UTF16', 'utf-8; q=1', '%'])],
    [2, () => rng.pick(['0', '-1', '99999999999999999999', '1e10', '1.5', ' 12 ', '0x10', 'yesterday', '4294967296', '-0'])],
    [2, () => rng.pick(['image/png', 'image/nonsense', 'auto', 'name', 'content', 'application/octet-stream', 'text/plain; charset=utf-8', '*/*', 'x', ';;'])],
    [1, () => rng.pick(['PARTIAL', 'COMPLETE', 'POLICY', 'partial', 'NEVER', ''])],
    [1, () => rng.bytes(1 + rng.int(40)).toString('hex')],
    [1, () => String.fromCharCode(...rng.bytes(1 + rng.int(20)).filter((b) => b !== 0 && b !== 10 && b !== 13 && b >= 0x20 && b !== 0x7f))],
    [1, () => 'h'.repeat(rng.pick([100, 5000]))],
  ])();
}

/** A string fetch will send as a header: non-Latin-1 text goes as its UTF-8 bytes; CR, LF and NUL are dropped. */
export function toHeaderSafe(value: string): string {
  const cleaned = value.replace(/[\r\n\0]/g, '');
  return /^[\x00-\xff]*$/.test(cleaned) ? cleaned : Buffer.from(cleaned, 'utf8').toString('latin1');
}
