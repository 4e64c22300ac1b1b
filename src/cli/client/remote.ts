/** Remote paths and trees: normalising what the user typed, walking a directory tree breadth first. */
import { OriginStoreError, type OriginStoreClient, type DirStat, type FileStat, type StatResult } from '../../client/index.js';

/** "a/b/" → "/a/b"; "" and "." → "/". */
export function remotePath(raw: string): string {
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  return `/${parts.join('/')}`;
}

export function joinRemote(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export interface RemoteEntry {
  /** The full remote path. */
  readonly path: string;
  /** Relative to the walk's root. */
  readonly relative: string;
  readonly name: string;
  readonly kind: 'dir' | 'file';
  readonly depth: number;
  readonly size: number;
  readonly mtime: number;
  readonly checksum?: string;
  readonly mimetype?: string;
}

export async function statOrUndefined(client: OriginStoreClient, path: string): Promise<StatResult | undefined> {
  return client.statOrUndefined(path, { detail: true });
}

export async function isDirectory(client: OriginStoreClient, path: string): Promise<boolean> {
  return (await statOrUndefined(client, path))?.type === 1;
}

/** The entries of one directory, with stat. */
export async function listDirectory(client: OriginStoreClient, dir: string, relative: string, depth: number): Promise<RemoteEntry[]> {
  const out: RemoteEntry[] = [];
  for await (const { kind, entry } of client.listAll(dir, { stat: true })) {
    const e = entry as { name: string } & Partial<FileStat & DirStat>;
    out.push({
      path: joinRemote(dir, e.name),
      relative: relative === '' ? e.name : `${relative}/${e.name}`,
      name: e.name,
      kind,
      depth,
      size: e.size ?? 0,
      mtime: e.mtime ?? 0,
      ...(e.checksum !== undefined ? { checksum: e.checksum } : {}),
      ...(e.mimetype !== undefined ? { mimetype: e.mimetype } : {}),
    });
  }
  return out;
}

/** Every entry below `root`, parents before children, listing up to `concurrency` directories at once. */
export async function walk(client: OriginStoreClient, root: string, options: { concurrency?: number; maxDepth?: number } = {}): Promise<RemoteEntry[]> {
  const all: RemoteEntry[] = [];
  let level: { path: string; relative: string }[] = [{ path: root, relative: '' }];
  for (let depth = 1; level.length > 0 && depth <= (options.maxDepth ?? Infinity); depth++) {
    const next: { path: string; relative: string }[] = [];
    const results = await mapLimit(level, options.concurrency ?? 8, (d) => listDirectory(client, d.path, d.relative, depth));
    for (const entries of results) {
      for (const e of entries) {
        all.push(e);
        if (e.kind === 'dir') next.push({ path: e.path, relative: e.relative });
      }
    }
    level = next;
  }
  return all;
}

/** `fn` over `items` with at most `limit` running at once; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

/** Deletes a tree client-side: the API deletes only empty directories, so files go first, then directories deepest first. */
export async function removeTree(client: OriginStoreClient, root: string, concurrency = 8): Promise<{ files: number; dirs: number }> {
  const entries = await walk(client, root, { concurrency });
  const files = entries.filter((e) => e.kind === 'file');
  await mapLimit(files, concurrency, (f) => client.deleteFile(f.path).catch(ignoreGone));
  const dirs = entries.filter((e) => e.kind === 'dir').sort((a, b) => b.depth - a.depth);
  // Directories of one depth are independent of each other; deeper ones go first.
  for (let i = 0; i < dirs.length;) {
    const depth = dirs[i]!.depth;
    let j = i;
    while (j < dirs.length && dirs[j]!.depth === depth) j++;
    await mapLimit(dirs.slice(i, j), concurrency, (d) => client.deleteDir(d.path).catch(ignoreGone));
    i = j;
  }
  if (root !== '/') await client.deleteDir(root);
  return { files: files.length, dirs: dirs.length + (root === '/' ? 0 : 1) };
}

function ignoreGone(err: unknown): void {
  if (err instanceof OriginStoreError && err.code === -1) return;
  throw err;
}

/** "30s", "10m", "1h", "2d" or plain seconds. */
export function parseDurationSeconds(raw: string): number {
  const m = /^\s*(\d+)\s*([smhd]?)\s*$/i.exec(raw);
  if (!m) throw new Error(`'${raw}' is not a duration (30s, 10m, 1h, 7d)`);
  const factor = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2]!.toLowerCase() as '' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * factor;
}

/** "16MiB", "64M", "1GB", "1048576". */
export function parseSizeBytes(raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)(b?)\s*$/i.exec(raw);
  if (!m) throw new Error(`'${raw}' is not a size (16MiB, 64M, 1GB)`);
  const power = ' kmgt'.indexOf(m[2]!.toLowerCase() || ' ');
  // 16M and 16MiB are binary; 16MB is decimal, as disk vendors count.
  const base = m[4] && !m[3] ? 1000 : 1024;
  return Math.round(Number(m[1]) * base ** power);
}
