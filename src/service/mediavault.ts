/**
 * MediaVault (working_with_files_json.md "mediaVaultUrl", spec/mediavault/):
 * time-limited download and preview URLs signed with a per-account shared
 * secret, and the check egress makes of every URL carrying `h=`. Two secrets
 * are accepted at once so that a rotation breaks no URL already handed out.
 */
import { randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { OriginError } from '../domain/errors.js';
import { hashMatches, parseMediaVaultUrl, referrerAllowed, signMediaVaultUrl } from '../domain/mediavault.js';
import type { AccountSecurityRecord } from '../domain/model.js';
import { parseCallerPath, underRoot } from '../domain/paths.js';
import type { ServiceDeps } from './deps.js';
import type { Sessions } from './sessions.js';

/** working_with_files_json.md: "Must be in the range 1 to 2147483648 … 0 or omitted, it defaults to 3600". */
export const MAX_MEDIAVAULT_EXPIRY_SECONDS = 2_147_483_648;
export const DEFAULT_MEDIAVAULT_EXPIRY_SECONDS = 3600;
/** The term that tells a download URL from a preview URL; the hash covers it. */
export const DISPOSITION_TERM = 'disposition';

export interface MediaVaultUrls {
  readonly downloadUrl: string;
  readonly previewUrl: string;
}

/** What egress knows of a request, for the MediaVault check. */
export interface EgressView {
  /** Path and query string exactly as received. */
  readonly url: string;
  readonly host: string | undefined;
  readonly clientIp: string;
  readonly referrer: string | undefined;
}

export type EgressAccess =
  | { readonly allowed: true; readonly disposition?: 'attachment' | 'inline' }
  | { readonly allowed: false; readonly reason: string };

export class MediaVault {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly sessions: Sessions,
  ) {}

  async urls(token: string, path: string, expirySeconds: number | undefined): Promise<MediaVaultUrls> {
    const { session, user } = await this.sessions.resolve(token);
    const expiry = expirySeconds === undefined || expirySeconds === 0 ? DEFAULT_MEDIAVAULT_EXPIRY_SECONDS : expirySeconds;
    if (!Number.isSafeInteger(expiry) || expiry < 1 || expiry > MAX_MEDIAVAULT_EXPIRY_SECONDS) {
      throw new OriginError('InvalidExpiry', { reason: `expiry must be 1 to ${MAX_MEDIAVAULT_EXPIRY_SECONDS} seconds` });
    }
    const absolute = underRoot(session.root, parseCallerPath(path));
    // The path need not exist yet (a URL made before the upload), but cannot be a directory.
    const node = await this.deps.metadata.getNodeByPath(absolute);
    if (node?.kind === 'dir') throw new OriginError('IsDirectory', { path: absolute });
    const { secret } = await this.security(user.account);
    const e = Math.floor(this.deps.clock.nowMs() / 1000) + expiry;
    const encoded = absolute.split('/').map(encodeURIComponent).join('/');
    const base = `${this.publicUrl()}${encoded}?e=${e}`;
    return {
      downloadUrl: signMediaVaultUrl(secret, `${base}&${DISPOSITION_TERM}=attachment`),
      previewUrl: signMediaVaultUrl(secret, `${base}&${DISPOSITION_TERM}=inline`),
    };
  }

  /** The account's secrets and visibility, created on first use. */
  async security(account: string): Promise<AccountSecurityRecord> {
    const found = await this.deps.metadata.getAccountSecurity(account);
    if (found) return found;
    if (!(await this.deps.metadata.getAccount(account))) throw new OriginError('NotFound', { reason: `no account ${account}` });
    return this.deps.metadata.transaction(async (tx) => {
      const again = await tx.getAccountSecurity(account);
      if (again) return again;
      const record = { account, secret: newSecret(), previousSecret: '', private: false };
      await tx.putAccountSecurity(record);
      return record;
    });
  }

  /**
   * A new current secret (random, or `given`: the one a CMS that makes its own
   * MediaVault URLs already uses); the old one stays accepted until the next rotation.
   */
  async rotateSecret(account: string, given?: string): Promise<AccountSecurityRecord> {
    // security.md: "The shared secret is an alphanumeric string".
    if (given !== undefined && !/^[A-Za-z0-9]{1,256}$/.test(given)) {
      throw new OriginError('InvalidPath', { reason: 'a MediaVault secret is 1 to 256 letters and digits' });
    }
    const current = await this.security(account);
    const record = { ...current, secret: given ?? newSecret(), previousSecret: current.secret };
    await this.deps.metadata.putAccountSecurity(record);
    return record;
  }

  async setPrivate(account: string, isPrivate: boolean): Promise<AccountSecurityRecord> {
    const record = { ...(await this.security(account)), private: isPrivate };
    await this.deps.metadata.putAccountSecurity(record);
    return record;
  }

  /**
   * May egress serve this request for a file of `account`? A URL carrying h
   * must verify; without h, only a public account's files are served.
   */
  async checkEgress(account: string, view: EgressView): Promise<EgressAccess> {
    const security = await this.deps.metadata.getAccountSecurity(account);
    const relative = parseMediaVaultUrl(view.url);
    if (!relative) return security?.private ? deny('the account is private') : { allowed: true };
    if (!security) return deny('the account has no MediaVault secret');
    const secrets = [security.secret, security.previousSecret].filter((s) => s !== '');
    const terms = relative.terms;
    const p = terms.get('p');
    if (p !== undefined && !/^[1-9]\d{0,9}$/.test(p)) return deny('p is not a positive integer');
    const prefix = p === undefined ? undefined : Number(p);
    const bases = [this.publicUrl(), ...(view.host ? [`http://${view.host}`, `https://${view.host}`] : [])];
    if (!bases.some((b) => hashMatches(secrets, b + relative.signed, relative.hash, prefix))) return deny('hash mismatch');
    const now = Math.floor(this.deps.clock.nowMs() / 1000);
    const s = terms.get('s');
    if (s !== undefined && !(/^\d+$/.test(s) && now >= Number(s))) return deny('not yet valid');
    const e = terms.get('e');
    if (e !== undefined && !(/^\d+$/.test(e) && now <= Number(e))) return deny('expired');
    const ip = terms.get('ip');
    if (ip !== undefined && !addressAllowed(ip, view.clientIp)) return deny('client address not allowed');
    const r = terms.get('r');
    if (r !== undefined && !referrerAllowed(r, view.referrer)) return deny('referrer not allowed');
    const d = terms.get(DISPOSITION_TERM);
    return d === 'attachment' || d === 'inline' ? { allowed: true, disposition: d } : { allowed: true };
  }

  private publicUrl(): string {
    return (this.deps.publicUrl?.() ?? 'http://127.0.0.1').replace(/\/+$/, '');
  }
}

/** ip: one address or a CIDR range, IPv4 or IPv6; IPv4-mapped IPv6 clients compare as IPv4. */
export function addressAllowed(rule: string, client: string): boolean {
  const address = client.startsWith('::ffff:') && isIP(client.slice(7)) === 4 ? client.slice(7) : client;
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  const slash = rule.indexOf('/');
  try {
    if (slash < 0) {
      const version = isIP(rule);
      if (version === 0) return false;
      list.addAddress(rule, version === 6 ? 'ipv6' : 'ipv4');
    } else {
      const net = rule.slice(0, slash);
      const bits = Number(rule.slice(slash + 1));
      const version = isIP(net);
      if (version === 0 || !Number.isInteger(bits)) return false;
      list.addSubnet(net, bits, version === 6 ? 'ipv6' : 'ipv4');
    }
    return isIP(address) !== 0 && list.check(address, family);
  } catch {
    return false;
  }
}

function newSecret(): string {
  return randomBytes(16).toString('hex');
}

function deny(reason: string): EgressAccess {
  return { allowed: false, reason };
}
