/**
 * `s3://[key:secret@]bucket[/prefix]?endpoint=…&region=…&forcePathStyle=true`
 * → where the blobs live and how to reach them. Parsed once at start-up, so
 * a bad URL stops the server with a message that names the part at fault.
 * Credentials in the URL are optional: without them the SDK's standard chain
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, profiles,
 * instance roles) applies.
 */
export interface S3Location {
  readonly bucket: string;
  /** Key prefix of every object ('' or ending in '/'), so several stores can share a bucket. */
  readonly prefix: string;
  readonly endpoint?: string | undefined;
  readonly region: string;
  readonly forcePathStyle: boolean;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
  /** Bytes per uploaded part (at least S3's 5 MiB minimum). */
  readonly partSizeBytes: number;
  /** Parts of one upload sent at once. */
  readonly partConcurrency: number;
  /**
   * Temporaries younger than this are never swept: another server sharing
   * the bucket may still be writing them. 0 suits a bucket one server uses.
   */
  readonly temporaryMinAgeMs: number;
}

export const MIN_PART_BYTES = 5 * 1024 * 1024;
const DEFAULT_PART_BYTES = 8 * 1024 * 1024;
const DEFAULT_PART_CONCURRENCY = 4;
const DEFAULT_TEMPORARY_MIN_AGE_MS = 3600_000;
const KNOWN_PARAMS = new Set(['endpoint', 'region', 'forcePathStyle', 'partSize', 'partConcurrency', 'temporaryMinAge']);

export function isS3Url(raw: string): boolean {
  return /^s3:\/\//i.test(raw);
}

export function parseS3Location(raw: string, env: NodeJS.ProcessEnv = process.env): S3Location {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('not a URL (expected s3://bucket?endpoint=…)');
  }
  if (url.protocol !== 's3:') throw new Error(`unsupported scheme '${url.protocol}' (expected s3://)`);
  const bucket = url.hostname;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`'${bucket}' is not a bucket name`);
  for (const key of url.searchParams.keys()) {
    if (!KNOWN_PARAMS.has(key)) throw new Error(`unknown parameter '${key}' (known: ${[...KNOWN_PARAMS].join(', ')})`);
  }
  const path = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  const endpoint = url.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/i.test(endpoint)) throw new Error(`endpoint '${endpoint}' is not an http(s) URL`);
  const forcePathStyle = parseFlag(url.searchParams.get('forcePathStyle'), endpoint !== undefined);
  const accessKeyId = decodeURIComponent(url.username);
  const secretAccessKey = decodeURIComponent(url.password);
  if ((accessKeyId === '') !== (secretAccessKey === '')) throw new Error('credentials in the URL need both key and secret (key:secret@bucket)');
  return {
    bucket,
    prefix: path === '' ? '' : `${path}/`,
    endpoint,
    region: url.searchParams.get('region') ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1',
    forcePathStyle,
    credentials: accessKeyId === '' ? undefined : { accessKeyId, secretAccessKey },
    partSizeBytes: parsePartSize(url.searchParams.get('partSize')),
    partConcurrency: parseConcurrency(url.searchParams.get('partConcurrency')),
    temporaryMinAgeMs: parseAge(url.searchParams.get('temporaryMinAge')),
  };
}

/** The URL as it may be logged: the secret (and the key id) replaced. */
export function redactS3Url(raw: string): string {
  return raw.replace(/^(s3:\/\/)[^@/?#]*@/i, '$1[redacted]@');
}

function parseFlag(raw: string | null, fallback: boolean): boolean {
  if (raw === null) return fallback;
  if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
  throw new Error(`forcePathStyle '${raw}' is not true or false`);
}

function parsePartSize(raw: string | null): number {
  if (raw === null) return DEFAULT_PART_BYTES;
  const m = /^(\d+)(KiB|MiB|GiB)?$/.exec(raw);
  if (!m) throw new Error(`partSize '${raw}' is not a size (like 8MiB)`);
  const unit = m[2] === undefined ? 1 : { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[m[2] as 'KiB' | 'MiB' | 'GiB'];
  const bytes = Number(m[1]) * unit;
  // S3 refuses parts under 5 MiB (all but the last) and over 5 GiB.
  if (bytes < MIN_PART_BYTES || bytes > 5 * 1024 ** 3) throw new Error(`partSize '${raw}' must be between 5MiB and 5GiB`);
  return bytes;
}

/** "0", "90s", "15m", "1h" → milliseconds. */
function parseAge(raw: string | null): number {
  if (raw === null) return DEFAULT_TEMPORARY_MIN_AGE_MS;
  const m = /^(\d+)(s|m|h)?$/.exec(raw);
  if (!m) throw new Error(`temporaryMinAge '${raw}' is not a duration (like 0, 90s, 15m, 1h)`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3600_000 }[(m[2] ?? 's') as 's' | 'm' | 'h'];
}

function parseConcurrency(raw: string | null): number {
  if (raw === null) return DEFAULT_PART_CONCURRENCY;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`partConcurrency '${raw}' must be between 1 and 64`);
  return n;
}
