/**
 * HMAC key pairs and signed HTTP requests (initializing_hmac_key_pairs.md,
 * signing_requests.md). A signature is the signed string itself, then
 * `&signature=` and the base64 HMAC-SHA256 of that string under the secret:
 *
 *   /post/raw?access_key=…&basename=testfile.txt&expiry=1461084890&signature=…
 *
 * The signed string names the request path, the key, the expiry and every
 * X-Agile-* header of the request. A signature is good once, until its expiry.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { OriginError } from '../domain/errors.js';
import type { Caller } from '../domain/model.js';
import type { ServiceDeps } from './deps.js';
import { homeOf, type Sessions } from './sessions.js';

export interface SignedRequest {
  /** The request's path, without its query string. */
  readonly path: string;
  /** The X-Agile-Signature header. */
  readonly signature: string;
  /** Every X-Agile-* header of the request but the signature: lower-cased name without the prefix → value. */
  readonly agileHeaders: Readonly<Record<string, string>>;
}

export interface KeyPair {
  readonly accessKey: string;
  readonly secretKey: string;
}

/** Terms of the signed string that are not request headers. */
const OWN_TERMS = new Set(['access_key', 'expiry']);

export class Signing {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly sessions: Sessions,
  ) {}

  /** A new key pair for the token's user, replacing the previous one. */
  async initKeyPair(token: string): Promise<KeyPair> {
    const { user } = await this.sessions.resolve(token);
    const pair = { accessKey: randomBytes(20).toString('hex'), secretKey: randomBytes(24).toString('hex') };
    try {
      await this.deps.metadata.transaction((tx) =>
        tx.replaceKeyPair({ ...pair, userId: user.id, created: Math.floor(this.deps.clock.nowMs() / 1000) }),
      );
    } catch (err) {
      throw new OriginError('KeyPairFailed', {}, { cause: err });
    }
    return pair;
  }

  /** The caller a signed request acts as (the key pair's user, rooted at its home), or BadSignature. */
  async verify(request: SignedRequest): Promise<Caller> {
    const at = request.signature.lastIndexOf('&signature=');
    if (at < 0) throw bad('no signature term');
    const payload = request.signature.slice(0, at);
    const given = request.signature.slice(at + '&signature='.length).trim();
    const q = payload.indexOf('?');
    if (q < 0) throw bad('no query string');
    if (payload.slice(0, q) !== request.path) throw bad('signed for another path');

    const terms = new Map<string, string>();
    for (const part of payload.slice(q + 1).split('&')) {
      const eq = part.indexOf('=');
      const key = eq < 0 ? part : part.slice(0, eq);
      if (terms.has(key)) throw bad(`term ${key} appears twice`);
      terms.set(key, eq < 0 ? '' : part.slice(eq + 1));
    }
    const accessKey = terms.get('access_key');
    const expiryRaw = terms.get('expiry');
    if (accessKey === undefined || expiryRaw === undefined || !/^\d{1,15}$/.test(expiryRaw)) throw bad('access_key or expiry missing');
    const expiresMs = Number(expiryRaw) * 1000;
    if (expiresMs <= this.deps.clock.nowMs()) throw bad('expired');

    const pair = await this.deps.metadata.getKeyPair(accessKey);
    if (!pair) throw bad('unknown access key');
    const expected = createHmac('sha256', pair.secretKey).update(payload, 'utf8').digest();
    const received = Buffer.from(given, 'base64');
    if (received.length !== expected.length || !timingSafeEqual(received, expected)) throw bad('wrong signature');

    // Every header sent is signed, with the value signed; every signed header is sent.
    for (const [name, value] of Object.entries(request.agileHeaders)) {
      const signed = terms.get(name);
      if (signed === undefined || !sameValue(signed, value)) throw bad(`X-Agile-${name} is not signed as sent`);
    }
    for (const key of terms.keys()) {
      if (!OWN_TERMS.has(key) && request.agileHeaders[key] === undefined) throw bad(`signed header ${key} was not sent`);
    }

    const user = await this.deps.metadata.getUserById(pair.userId);
    if (!user || user.disabled) throw bad('the key pair has no user');
    if (!(await this.deps.metadata.useSignature(expected.toString('base64'), expiresMs))) throw bad('already used');
    return {
      user,
      session: { token: '', userId: user.id, root: homeOf(user), createdMs: this.deps.clock.nowMs(), expiresMs, expiryUpdated: true, origin: 'http' },
    };
  }
}

/**
 * The spec asks for URL-encoded values with `+` for spaces; its own Python
 * sample signs them as they are. Both forms are accepted.
 */
function sameValue(signed: string, sent: string): boolean {
  if (signed === sent) return true;
  try {
    return decodeURIComponent(signed.replaceAll('+', ' ')) === sent;
  } catch {
    return false;
  }
}

function bad(reason: string): OriginError {
  return new OriginError('BadSignature', { reason });
}
