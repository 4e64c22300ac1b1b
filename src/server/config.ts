/**
 * Configuration: flags, then ORIGINSTORE_* environment variables, then
 * defaults, validated once into a frozen Config. A bad value stops start-up
 * with a message that names it.
 */
import { isS3Url, parseS3Location, redactS3Url } from '../adapters/s3/s3-location.js';
export interface Config {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly tlsCert?: string | undefined;
  readonly tlsKey?: string | undefined;
  readonly sessionTtlSeconds: number;
  readonly maxUploadBytes: number;
  readonly sweepIntervalSeconds: number;
  readonly multipartMaxPieces: number;
  readonly multipartMaxPieceBytes: number;
  readonly multipartMaxBytes: number;
  readonly multipartMaxOpen: number;
  readonly multipartExpirySeconds: number;
  readonly logLevel: string;
  /** First-run account and user; a random password is generated when none is given. */
  readonly initAccount: string;
  readonly initUser: string;
  readonly initPassword?: string | undefined;
  /** Egress base URL in MediaVault URLs; undefined: http://<host>:<port>. */
  readonly publicUrl?: string | undefined;
  /** Upload requests per account per second (0: no limit). */
  readonly uploadRatePerSecond: number;
  /** fetchFileHTTP: copy workers, queued requests, and remote http(s) sources. */
  readonly fetchConcurrency: number;
  readonly fetchQueueSize: number;
  readonly fetchRemote: boolean;
  readonly fetchAllowPrivate: boolean;
  /** The built web console served at /console; undefined: dist/console of this package. */
  readonly consoleDir?: string | undefined;
  /** Metadata store URL: undefined for SQLite in the data directory, or postgres://… (docs/scale-out.md). */
  readonly metadata?: string | undefined;
  /** Where file bytes live: an s3:// URL, or undefined for files under dataDir. */
  readonly blobs?: string | undefined;
}

export interface Setting {
  readonly key: keyof Config;
  readonly flag: string;
  readonly env: string;
  readonly help: string;
  readonly parse: (raw: string) => unknown;
  readonly fallback?: unknown;
}

export const SETTINGS: readonly Setting[] = [
  { key: 'dataDir', flag: '--data-dir <dir>', env: 'ORIGINSTORE_DATA_DIR', help: 'where metadata and blobs live', parse: String, fallback: './originstore-data' },
  { key: 'host', flag: '--host <address>', env: 'ORIGINSTORE_HOST', help: 'address to listen on', parse: String, fallback: '127.0.0.1' },
  { key: 'port', flag: '--port <n>', env: 'ORIGINSTORE_PORT', help: 'port to listen on (0: any free port)', parse: parsePort, fallback: 8080 },
  { key: 'tlsCert', flag: '--tls-cert <file>', env: 'ORIGINSTORE_TLS_CERT', help: 'PEM certificate; serve HTTPS', parse: String },
  { key: 'tlsKey', flag: '--tls-key <file>', env: 'ORIGINSTORE_TLS_KEY', help: 'PEM private key for --tls-cert', parse: String },
  { key: 'sessionTtlSeconds', flag: '--session-ttl <duration>', env: 'ORIGINSTORE_SESSION_TTL', help: 'default token lifetime (3600s, 1h; at most 24h)', parse: durationWithin(1, 86400), fallback: 3600 },
  { key: 'maxUploadBytes', flag: '--max-upload-size <bytes>', env: 'ORIGINSTORE_MAX_UPLOAD_SIZE', help: 'largest /post/raw or /post/file upload (10TiB, 500MB…)', parse: parseSize, fallback: 10 * 1024 ** 4 },
  { key: 'sweepIntervalSeconds', flag: '--sweep-interval <duration>', env: 'ORIGINSTORE_SWEEP_INTERVAL', help: 'how often housekeeping runs (1s to 24h)', parse: durationWithin(1, 86400), fallback: 300 },
  { key: 'multipartMaxPieces', flag: '--multipart-max-pieces <n>', env: 'ORIGINSTORE_MULTIPART_MAX_PIECES', help: 'pieces per multipart upload', parse: parseCount, fallback: 1000 },
  { key: 'multipartMaxPieceBytes', flag: '--multipart-max-piece-size <bytes>', env: 'ORIGINSTORE_MULTIPART_MAX_PIECE_SIZE', help: 'largest piece', parse: parseSize, fallback: 100 * 1000 ** 3 },
  { key: 'multipartMaxBytes', flag: '--multipart-max-size <bytes>', env: 'ORIGINSTORE_MULTIPART_MAX_SIZE', help: 'largest multipart upload', parse: parseSize, fallback: 20 * 1000 ** 4 },
  { key: 'multipartMaxOpen', flag: '--multipart-max-open <n>', env: 'ORIGINSTORE_MULTIPART_MAX_OPEN', help: 'open (NEW or READY) multipart uploads per user', parse: parseCount, fallback: 1_000_000 },
  { key: 'multipartExpirySeconds', flag: '--multipart-expiry <duration>', env: 'ORIGINSTORE_MULTIPART_EXPIRY', help: 'age after which NEW and FAILED uploads expire', parse: parseDuration, fallback: 86400 },
  { key: 'logLevel', flag: '--log-level <level>', env: 'ORIGINSTORE_LOG_LEVEL', help: 'fatal, error, warn, info, debug, trace or silent', parse: parseLogLevel, fallback: 'info' },
  { key: 'initAccount', flag: '--init-account <name>', env: 'ORIGINSTORE_INIT_ACCOUNT', help: 'account created on first run', parse: String, fallback: 'demo' },
  { key: 'initUser', flag: '--init-user <name>', env: 'ORIGINSTORE_INIT_USER', help: 'user created on first run', parse: String, fallback: 'demo' },
  { key: 'initPassword', flag: '--init-password <password>', env: 'ORIGINSTORE_INIT_PASSWORD', help: 'its password (default: random, printed once)', parse: String },
  { key: 'uploadRatePerSecond', flag: '--upload-rate-limit <n>', env: 'ORIGINSTORE_UPLOAD_RATE_LIMIT', help: 'upload requests per account per second; beyond it 429 (0: no limit)', parse: parseCount, fallback: 100 },
  { key: 'fetchConcurrency', flag: '--fetch-concurrency <n>', env: 'ORIGINSTORE_FETCH_CONCURRENCY', help: 'fetchFileHTTP copies running at once (1 to 64)', parse: countWithin(1, 64), fallback: 2 },
  { key: 'fetchQueueSize', flag: '--fetch-queue-size <n>', env: 'ORIGINSTORE_FETCH_QUEUE_SIZE', help: 'fetchFileHTTP requests waiting for a worker; beyond it -56', parse: parseCount, fallback: 100 },
  { key: 'fetchRemote', flag: '--fetch-remote [bool]', env: 'ORIGINSTORE_FETCH_REMOTE', help: 'let fetchFileHTTP fetch http(s) sources outside the store', parse: parseBool, fallback: false },
  { key: 'fetchAllowPrivate', flag: '--fetch-allow-private [bool]', env: 'ORIGINSTORE_FETCH_ALLOW_PRIVATE', help: 'let remote fetches reach loopback and private addresses', parse: parseBool, fallback: false },
  { key: 'consoleDir', flag: '--console-dir <dir>', env: 'ORIGINSTORE_CONSOLE_DIR', help: 'the built web console served at /console (default: dist/console of this package)', parse: String },
  { key: 'metadata', flag: '--metadata <url>', env: 'ORIGINSTORE_METADATA', help: 'metadata store: postgres://user@host:5432/db?schema=name (default: SQLite in the data directory)', parse: parseMetadataUrl },
  { key: 'blobs', flag: '--blobs <url>', env: 'ORIGINSTORE_BLOBS', help: 'where file bytes live: s3://bucket[/prefix]?endpoint=…&region=…&forcePathStyle=true (default: files under --data-dir)', parse: parseBlobsUrl },
  { key: 'publicUrl', flag: '--public-url <url>', env: 'ORIGINSTORE_PUBLIC_URL', help: 'public base URL of egress, for MediaVault URLs (default http://<host>:<port>)', parse: parseBaseUrl },
];

export class ConfigError extends Error {}

/** flags (already parsed, by Config key) > env > defaults. */
export function loadConfig(flags: Partial<Record<keyof Config, string>>, env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const fromFlag = flags[s.key];
    const fromEnv = env[s.env];
    const raw = fromFlag ?? (fromEnv === '' ? undefined : fromEnv);
    if (raw === undefined) {
      out[s.key] = s.fallback;
      continue;
    }
    try {
      out[s.key] = s.parse(raw);
    } catch (err) {
      const where = fromFlag !== undefined ? s.flag.split(' ')[0] : s.env;
      throw new ConfigError(`${where}: ${(err as Error).message}`);
    }
  }
  const config = out as unknown as Config;
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw new ConfigError('--tls-cert and --tls-key go together');
  }
  return Object.freeze(config);
}

/** `sqlite` (the default) or a postgres:// URL. */
function parseMetadataUrl(raw: string): string | undefined {
  if (raw === 'sqlite') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`'${raw}' is not a URL (postgres://user@host:5432/database)`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new Error(`'${url.protocol}' is not a metadata store (postgres:// or sqlite)`);
  return raw;
}

/** Checked whole at start-up; the secret in the URL is never echoed in the error. */
function parseBlobsUrl(raw: string): string {
  if (!isS3Url(raw)) throw new Error('expected s3://bucket?endpoint=… (leave it unset for files under --data-dir)');
  parseS3Location(raw);
  return raw;
}

function parseBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`'${raw}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`'${raw}' is not an http(s) URL`);
  return raw.replace(/\/+$/, '');
}

export function parsePort(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`'${raw}' is not a port number`);
  return n;
}

export function parseCount(raw: string): number {
  if (!/^\s*\d+\s*$/.test(raw)) throw new Error(`'${raw}' is not a whole number`);
  return Number(raw);
}

/** A flag given without a value (Commander passes true) is on. */
export function parseBool(raw: string): boolean {
  const v = String(raw).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new Error(`'${raw}' is not true or false`);
}

function countWithin(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const n = parseCount(raw);
    if (n < min || n > max) throw new Error(`'${raw}' must be between ${min} and ${max}`);
    return n;
  };
}

/** "3600", "3600s", "15m", "1h", "1d" → seconds. */
export function parseDuration(raw: string): number {
  const m = /^\s*(\d+)\s*(s|m|h|d)?\s*$/i.exec(raw);
  if (!m) throw new Error(`'${raw}' is not a duration (like 3600s, 15m, 1h)`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's').toLowerCase() as 's'];
  return Number(m[1]) * unit;
}

/**
 * A duration bounded at start-up rather than failing later: a token lifetime
 * over 24 hours would make every login fail, and a zero interval would
 * spin the sweeper.
 */
function durationWithin(minSeconds: number, maxSeconds: number): (raw: string) => number {
  return (raw) => {
    const seconds = parseDuration(raw);
    if (seconds < minSeconds || seconds > maxSeconds) throw new Error(`'${raw}' must be between ${minSeconds}s and ${maxSeconds}s`);
    return seconds;
  };
}

/** "1048576", "500MB", "10GiB" → bytes. */
export function parseSize(raw: string): number {
  const m = /^\s*(\d+)\s*([kmgt]?i?b)?\s*$/i.exec(raw);
  if (!m) throw new Error(`'${raw}' is not a size (like 500MB, 10GiB)`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const power = ['b', 'kb', 'mb', 'gb', 'tb'].indexOf(unit.replace('i', ''));
  const base = unit.includes('i') ? 1024 : 1000;
  return Number(m[1]) * base ** Math.max(0, power);
}

function parseLogLevel(raw: string): string {
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(raw)) throw new Error(`'${raw}' is not one of ${levels.join(', ')}`);
  return raw;
}

/** The effective configuration, secrets redacted, for the start-up log. */
export function describeConfig(config: Config): Record<string, unknown> {
  return {
    ...config,
    initPassword: config.initPassword === undefined ? undefined : '[redacted]',
    metadata: redactUrl(config.metadata),
    blobs: config.blobs === undefined ? undefined : redactS3Url(config.blobs),
  };
}

/** A store URL without its password, for logs. */
export function redactUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const url = new URL(raw);
  if (url.password !== '') url.password = 'redacted';
  return url.toString();
}
