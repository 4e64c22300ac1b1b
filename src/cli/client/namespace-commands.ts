/** ls, stat, mkdir, cp, mv, rm, url, du: the namespace seen from the command line. */
import type { Command } from 'commander';
import type { OriginStoreClient } from '../../client/index.js';
import { clientCommand, run } from './context.js';
import { UsageError } from './output.js';
import { human } from './progress.js';
import { baseName, isDirectory, joinRemote, listDirectory, parseDurationSeconds, remotePath, removeTree, walk, type RemoteEntry } from './remote.js';

function when(mtime: number): string {
  return new Date(mtime * 1000).toISOString().replace('T', ' ').slice(0, 19);
}

function longLine(e: RemoteEntry): string {
  const size = e.kind === 'dir' ? '-' : String(e.size);
  return `${e.kind === 'dir' ? 'd' : '-'} ${size.padStart(12)} ${when(e.mtime)} ${e.kind === 'dir' ? `${e.name}/` : e.name}`;
}

const entryJson = (e: RemoteEntry) => ({
  path: e.path, name: e.name, type: e.kind, size: e.kind === 'file' ? e.size : null, mtime: e.mtime,
  checksum: e.checksum ?? null, mimetype: e.mimetype ?? null,
});

/** A destination that is an existing directory takes the source's name inside it (as cp and mv do). */
async function destination(client: OriginStoreClient, source: string, target: string): Promise<string> {
  const to = remotePath(target);
  return (await isDirectory(client, to)) ? joinRemote(to, baseName(source)) : to;
}

export function registerNamespaceCommands(program: Command): void {
  clientCommand(program, 'ls [path]', 'list a directory (or show one file)')
    .option('-l, --long', 'type, size, modification time')
    .option('-R, --recursive', 'list subdirectories too')
    .action(run(async (ctx, raw: string | undefined, opts: { long?: boolean; recursive?: boolean }) => {
      const client = await ctx.client();
      const path = remotePath(raw ?? '/');
      const stat = await client.stat(path, { detail: true });
      if (stat.type === 2) {
        const e: RemoteEntry = { path, relative: baseName(path), name: baseName(path), kind: 'file', depth: 0, size: stat.size ?? 0, mtime: stat.mtime, ...(stat.checksum ? { checksum: stat.checksum } : {}), ...(stat.mimetype ? { mimetype: stat.mimetype } : {}) };
        ctx.out.result([entryJson(e)], () => (opts.long ? longLine(e) : e.name));
        return;
      }
      const entries = opts.recursive ? await walk(client, path) : await listDirectory(client, path, '', 1);
      ctx.out.result(entries.map(entryJson), () => {
        const line = (e: RemoteEntry) => (opts.long ? longLine(e) : e.kind === 'dir' ? `${e.name}/` : e.name);
        if (!opts.recursive) return entries.map(line).join('\n');
        const byDir = new Map<string, RemoteEntry[]>([[path, []]]);
        for (const e of entries) {
          const parent = e.path.slice(0, e.path.lastIndexOf('/')) || '/';
          if (!byDir.has(parent)) byDir.set(parent, []);
          byDir.get(parent)!.push(e);
        }
        return [...byDir].map(([dir, list]) => `${dir}:\n${list.map(line).join('\n')}`).join('\n\n');
      });
    }));

  clientCommand(program, 'stat <path>', 'show a file or directory: type, size, times, owner, SHA-256, content type')
    .action(run(async (ctx, raw: string) => {
      const path = remotePath(raw);
      const s = await (await ctx.client()).stat(path, { detail: true });
      const out = { path, type: s.type === 1 ? 'dir' : 'file', size: s.size ?? null, ctime: s.ctime, mtime: s.mtime, uid: s.uid ?? null, gid: s.gid ?? null, checksum: s.checksum || null, mimetype: s.mimetype ?? null };
      ctx.out.result(out, () => [
        `path: ${path}`, `type: ${out.type}`, ...(s.type === 2 ? [`size: ${s.size} (${human(s.size ?? 0)})`] : []),
        `mtime: ${when(s.mtime)}`, `ctime: ${when(s.ctime)}`, `uid: ${s.uid}`, `gid: ${s.gid}`,
        ...(s.type === 2 ? [`sha256: ${s.checksum}`, `content-type: ${s.mimetype}`] : []),
      ].join('\n'));
    }));

  clientCommand(program, 'mkdir <paths...>', 'create directories')
    .option('-p, --parents', 'create missing parents; no error if it exists')
    .action(run(async (ctx, raws: string[], opts: { parents?: boolean }) => {
      const client = await ctx.client();
      const created: string[] = [];
      for (const raw of raws) {
        const path = remotePath(raw);
        if (opts.parents) {
          if (!(await isDirectory(client, path))) await client.makeDir2(path);
        } else {
          await client.makeDir(path);
        }
        created.push(path);
      }
      ctx.out.result({ created }, () => '');
    }));

  clientCommand(program, 'cp <source> <target>', 'copy a file on the server (no bytes travel through this machine)')
    .action(run(async (ctx, source: string, target: string) => {
      const client = await ctx.client();
      const from = remotePath(source);
      const to = await destination(client, from, target);
      await client.copyFile(from, to);
      ctx.out.result({ source: from, target: to }, () => '');
    }));

  clientCommand(program, 'mv <source> <target>', 'move or rename a file or directory')
    .action(run(async (ctx, source: string, target: string) => {
      const client = await ctx.client();
      const from = remotePath(source);
      const to = await destination(client, from, target);
      await client.rename(from, to);
      ctx.out.result({ source: from, target: to }, () => '');
    }));

  clientCommand(program, 'rm <paths...>', 'remove files, empty directories, or whole trees with -r')
    .option('-r, --recursive', 'remove directories and everything below them')
    .action(run(async (ctx, raws: string[], opts: { recursive?: boolean }) => {
      const client = await ctx.client();
      let files = 0;
      let dirs = 0;
      for (const raw of raws) {
        const path = remotePath(raw);
        const s = await client.stat(path);
        if (s.type === 2) {
          await client.deleteFile(path);
          files++;
        } else if (opts.recursive) {
          if (path === '/') throw new UsageError("refusing to remove the root: name the directories to remove");
          const removed = await removeTree(client, path);
          files += removed.files;
          dirs += removed.dirs;
        } else {
          await client.deleteDir(path);
          dirs++;
        }
      }
      ctx.out.result({ removed: { files, dirs } }, () => '');
    }));

  clientCommand(program, 'url <path>', 'a MediaVault URL that downloads the file without logging in')
    .option('--expires <duration>', 'how long the URL works: 30s, 10m, 1h, 7d', '1h')
    .option('--preview', 'the URL that shows the file in the browser instead of downloading it')
    .action(run(async (ctx, raw: string, opts: { expires: string; preview?: boolean }) => {
      let seconds: number;
      try {
        seconds = parseDurationSeconds(opts.expires);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const path = remotePath(raw);
      const urls = await (await ctx.client()).mediaVaultUrl(path, seconds);
      ctx.out.result({ path, expiresSeconds: seconds, downloadUrl: urls.download_url, previewUrl: urls.preview_url }, () => (opts.preview ? urls.preview_url : urls.download_url));
    }));

  clientCommand(program, 'du [path]', 'total size of a tree: bytes, files, directories')
    .option('--bytes', 'exact bytes instead of KiB/MiB/GiB')
    .action(run(async (ctx, raw: string | undefined, opts: { bytes?: boolean }) => {
      const client = await ctx.client();
      const path = remotePath(raw ?? '/');
      const s = await client.stat(path);
      const entries: RemoteEntry[] = s.type === 2 ? [] : await walk(client, path);
      const files = entries.filter((e) => e.kind === 'file');
      const bytes = s.type === 2 ? (s.size ?? 0) : files.reduce((n, e) => n + e.size, 0);
      const counts = { path, bytes, files: s.type === 2 ? 1 : files.length, dirs: entries.length - files.length };
      ctx.out.result(counts, () => `${opts.bytes ? bytes : human(bytes)}\t${path}\t(${counts.files} files, ${counts.dirs} directories)`);
    }));
}
