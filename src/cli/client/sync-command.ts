/**
 * `originstore sync LOCAL REMOTE`: makes REMOTE hold what LOCAL holds.
 * A file is uploaded when the server has none at its path, or one of
 * another size, or one whose SHA-256 differs (hashed locally only when the
 * sizes agree). --delete removes what is gone locally; --dry-run only says
 * what would be done.
 */
import type { Command } from 'commander';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { OriginStoreClient, Progress } from '../../client/index.js';
import { sha256OfFile, uploadLocalFile } from '../../client/node.js';
import { clientCommand, run } from './context.js';
import { plural, UsageError } from './output.js';
import { human, progressBar } from './progress.js';
import { joinRemote, mapLimit, remotePath, removeTree, statOrUndefined, walk, type RemoteEntry } from './remote.js';
import { uploadOptions } from './transfer-commands.js';

interface LocalFile {
  readonly relative: string;
  readonly path: string;
  readonly size: number;
}

async function walkLocal(root: string): Promise<{ files: LocalFile[]; dirs: string[] }> {
  const files: LocalFile[] = [];
  const dirs: string[] = [];
  const visit = async (dir: string, relative: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        dirs.push(rel);
        await visit(path, rel);
      } else if (entry.isFile()) {
        files.push({ relative: rel, path, size: (await stat(path)).size });
      }
    }
  };
  await visit(root, '');
  return { files, dirs };
}

export interface SyncPlan {
  readonly upload: { relative: string; reason: 'new' | 'size' | 'checksum'; size: number }[];
  readonly unchanged: number;
  readonly makeDirs: string[];
  readonly deleteFiles: string[];
  readonly deleteDirs: string[];
}

async function plan(local: { files: LocalFile[]; dirs: string[] }, remote: RemoteEntry[], options: { delete: boolean; concurrency: number }): Promise<SyncPlan> {
  const remoteFiles = new Map(remote.filter((e) => e.kind === 'file').map((e) => [e.relative, e]));
  const remoteDirs = new Set(remote.filter((e) => e.kind === 'dir').map((e) => e.relative));
  const decisions = await mapLimit(local.files, options.concurrency, async (f) => {
    const there = remoteFiles.get(f.relative);
    if (!there) return { relative: f.relative, reason: 'new' as const, size: f.size };
    if (there.size !== f.size) return { relative: f.relative, reason: 'size' as const, size: f.size };
    if ((await sha256OfFile(f.path)) !== there.checksum) return { relative: f.relative, reason: 'checksum' as const, size: f.size };
    return undefined;
  });
  const upload = decisions.filter((d) => d !== undefined);
  const localFiles = new Set(local.files.map((f) => f.relative));
  const localDirs = new Set(local.dirs);
  const goneDirs = options.delete ? [...remoteDirs].filter((d) => !localDirs.has(d)) : [];
  // A directory that goes takes its contents with it; list only its top.
  const deleteDirs = goneDirs.filter((d) => !goneDirs.some((g) => d.startsWith(`${g}/`)));
  const underGone = (p: string) => deleteDirs.some((g) => p.startsWith(`${g}/`));
  return {
    upload,
    unchanged: local.files.length - upload.length,
    makeDirs: local.dirs.filter((d) => !remoteDirs.has(d)),
    deleteFiles: options.delete ? [...remoteFiles.keys()].filter((p) => !localFiles.has(p) && !underGone(p)) : [],
    deleteDirs,
  };
}

async function apply(client: OriginStoreClient, localRoot: string, remoteRoot: string, p: SyncPlan, options: { concurrency: number; onProgress: (x: Progress) => void; upload: ReturnType<typeof uploadOptions> }): Promise<number> {
  const at = (relative: string) => joinRemote(remoteRoot, relative);
  for (const dir of p.makeDirs) await client.makeDir2(at(dir));
  const totalBytes = p.upload.reduce((n, u) => n + u.size, 0);
  let doneBytes = 0;
  options.onProgress({ transferredBytes: 0, totalBytes });
  await mapLimit(p.upload, options.concurrency, async (u) => {
    let counted = 0;
    await uploadLocalFile(client, join(localRoot, u.relative), at(u.relative), {
      ...options.upload,
      // Each large file already sends its pieces in parallel; the files themselves are the parallelism here.
      concurrency: 2,
      onProgress: ({ transferredBytes }) => {
        doneBytes += transferredBytes - counted;
        counted = transferredBytes;
        options.onProgress({ transferredBytes: doneBytes, totalBytes });
      },
    });
  });
  await mapLimit(p.deleteFiles, options.concurrency, (f) => client.deleteFile(at(f)));
  for (const dir of p.deleteDirs) await removeTree(client, at(dir), options.concurrency);
  return totalBytes;
}

export function registerSyncCommand(program: Command): void {
  clientCommand(program, 'sync <local> <remote>', 'upload what differs (by size and SHA-256) from a local directory to a remote one')
    .option('--delete', 'remove remote files and directories that are not in the local directory')
    .option('--dry-run', 'show what would be done, change nothing')
    .option('--concurrency <n>', 'files uploaded at once', '8')
    .option('--part-size <size>', 'piece size for large files', '16MiB')
    .option('--threshold <size>', 'files larger than this go as multipart uploads', '64MiB')
    .option('-q, --quiet', 'no progress bar')
    .action(run(async (ctx, localRoot: string, target: string, opts: { delete?: boolean; dryRun?: boolean; concurrency: string; partSize: string; threshold: string; quiet?: boolean }) => {
      if (!(await stat(localRoot).then((s) => s.isDirectory(), () => false))) throw new UsageError(`${localRoot} is not a local directory`);
      const client = await ctx.client();
      const upload = uploadOptions({ concurrency: opts.concurrency, partSize: opts.partSize, threshold: opts.threshold, resume: false });
      const concurrency = upload.concurrency ?? 8;
      const remoteRoot = remotePath(target);
      const there = await statOrUndefined(client, remoteRoot);
      if (there?.type === 2) throw new UsageError(`${remoteRoot} is a file on the server, not a directory`);
      const remote = there ? await walk(client, remoteRoot, { concurrency }) : [];
      const p = await plan(await walkLocal(localRoot), remote, { delete: opts.delete ?? false, concurrency });
      let bytes = p.upload.reduce((n, u) => n + u.size, 0);
      if (!opts.dryRun) {
        if (!there) await client.makeDir2(remoteRoot);
        const bar = progressBar('sync', { json: ctx.out.json, quiet: opts.quiet ?? false });
        try {
          bytes = await apply(client, localRoot, remoteRoot, p, { concurrency, upload, onProgress: (x) => bar.update(x) });
        } finally {
          bar.stop();
        }
      }
      const summary = {
        dryRun: opts.dryRun ?? false,
        uploaded: p.upload.length,
        uploadedBytes: bytes,
        unchanged: p.unchanged,
        createdDirs: p.makeDirs.length,
        deletedFiles: p.deleteFiles.length,
        deletedDirs: p.deleteDirs.length,
        actions: [
          ...p.makeDirs.map((d) => ({ action: 'mkdir', path: joinRemote(remoteRoot, d) })),
          ...p.upload.map((u) => ({ action: 'upload', path: joinRemote(remoteRoot, u.relative), reason: u.reason, size: u.size })),
          ...p.deleteFiles.map((f) => ({ action: 'delete', path: joinRemote(remoteRoot, f) })),
          ...p.deleteDirs.map((d) => ({ action: 'delete-tree', path: joinRemote(remoteRoot, d) })),
        ],
      };
      ctx.out.result(summary, () => {
        const verb = opts.dryRun ? 'would upload' : 'uploaded';
        const lines = opts.dryRun ? summary.actions.map((a) => `${a.action}\t${a.path}${'reason' in a ? `\t(${a.reason})` : ''}`) : [];
        return [...lines, `${verb} ${plural(summary.uploaded, 'file')} (${human(bytes)}), ${summary.unchanged} unchanged, ${plural(summary.createdDirs, 'directory', 'directories')} created, ${plural(summary.deletedFiles, 'file')} and ${plural(summary.deletedDirs, 'tree')} deleted`].join('\n');
      });
    }));
}
