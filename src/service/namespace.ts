/**
 * Directories and files that already exist: makeDir(2), deleteDir, the three
 * listings, stat, rename, setMTime, deleteFile, setContentType, copyFile and
 * deleteObject. Every caller path is resolved under the caller's root and
 * never outside it (domain/paths.ts).
 */
import { canonicalContentType } from '../domain/content-types.js';
import { checkCountCookie, checkPageSize, type PathCookie } from '../domain/cookies.js';
import { OriginError } from '../domain/errors.js';
import type { Caller, NodeKind, NodeRecord } from '../domain/model.js';
import { baseName, parentOf, parseCallerPath, underRoot } from '../domain/paths.js';
import { isValidMtime } from '../domain/times.js';
import type { MetadataOps } from '../ports/metadata-store.js';
import { nowSeconds, type ServiceDeps } from './deps.js';
import type { GarbageCollector } from './garbage.js';
import { ListingCursors } from './listing-cursors.js';
import { insertDirectory, parentForCreate, removeFileNode, shareFileContent } from './tree.js';

export interface Page<T> {
  readonly entries: T[];
  readonly nextCount: number;
}

export interface PathPage {
  readonly dirs: NodeRecord[];
  readonly files: NodeRecord[];
  readonly next: PathCookie;
}

/** The absolute path a caller means, or InvalidPath. */
export function resolvePath(caller: Caller, path: string): string {
  return underRoot(caller.session.root, parseCallerPath(path));
}

export class Namespace {
  private readonly cursors = new ListingCursors();

  constructor(
    private readonly deps: ServiceDeps,
    private readonly garbage: GarbageCollector,
  ) {}

  /** makeDir (createParents false) and makeDir2 (true). An existing directory is success. */
  async makeDir(caller: Caller, path: string, createParents: boolean): Promise<void> {
    const abs = resolvePath(caller, path);
    if (abs === caller.session.root) throw new OriginError('EmptyPath', { reason: 'cannot create the root' });
    const now = nowSeconds(this.deps);
    try {
      await this.deps.metadata.transaction(async (tx) => {
        const existing = await tx.getNodeByPath(abs);
        if (existing?.kind === 'dir') return;
        if (existing) throw new OriginError('AlreadyExists', { path: abs });
        const parent = await parentForCreate(tx, abs, { createParents, owner: caller.user, now });
        await insertDirectory(tx, parent, abs, caller.user, now);
      });
    } catch (err) {
      // Lost a race with another creator of the same directory: that is the same outcome.
      if (err instanceof OriginError && err.kind === 'AlreadyExists') {
        const node = await this.deps.metadata.getNodeByPath(abs);
        if (node?.kind === 'dir') return;
      }
      throw err;
    }
  }

  async deleteDir(caller: Caller, path: string): Promise<void> {
    const abs = resolvePath(caller, path);
    if (abs === caller.session.root) throw new OriginError('PermissionDenied', { reason: 'cannot delete the root' });
    await this.deps.metadata.transaction(async (tx) => {
      const node = await tx.getNodeByPath(abs);
      if (node?.kind !== 'dir') throw new OriginError('NotFound', { path: abs });
      await this.removeDirectory(tx, node);
    });
  }

  private async removeDirectory(tx: MetadataOps, node: NodeRecord): Promise<void> {
    if (await tx.hasChildren(node.id)) throw new OriginError('NotEmpty', { path: node.path });
    await tx.deleteNode(node.id);
    if (node.parentId !== null) await tx.updateNode(node.parentId, { mtime: nowSeconds(this.deps) });
  }

  async stat(caller: Caller, path: string): Promise<NodeRecord> {
    const node = await this.deps.metadata.getNodeByPath(resolvePath(caller, path));
    if (!node) throw new OriginError('NotFound');
    return node;
  }

  private async directory(caller: Caller, path: string): Promise<NodeRecord> {
    const node = await this.deps.metadata.getNodeByPath(resolvePath(caller, path));
    if (node?.kind !== 'dir') throw new OriginError('NotFound', { reason: 'no such directory' });
    return node;
  }

  /** listDir ('dir') and listFile ('file'): one page after `cookie` entries. */
  async list(caller: Caller, path: string, kind: NodeKind, pageSize: number, cookie: number): Promise<Page<NodeRecord>> {
    checkPageSize(pageSize);
    checkCountCookie(cookie);
    const dir = await this.directory(caller, path);
    const entries = await this.children(dir.id, kind, cookie, pageSize);
    return { entries, nextCount: entries.length === 0 ? 0 : cookie + entries.length };
  }

  /** listPath: directories first, then files, `pageSize` entries in all. */
  async listPath(caller: Caller, path: string, pageSize: number, cookie: PathCookie): Promise<PathPage> {
    checkPageSize(pageSize);
    const dir = await this.directory(caller, path);
    const dirs = await this.children(dir.id, 'dir', cookie.dirs, pageSize);
    const room = pageSize - dirs.length;
    const files = room > 0 ? await this.children(dir.id, 'file', cookie.files, room) : [];
    return { dirs, files, next: { dirs: cookie.dirs + dirs.length, files: cookie.files + files.length } };
  }

  private async children(dirId: number, kind: NodeKind, skip: number, limit: number): Promise<NodeRecord[]> {
    const afterName = skip === 0 ? undefined : this.cursors.lastNameAt(dirId, kind, skip);
    const entries = await this.deps.metadata.listChildren(
      afterName === undefined ? { parentId: dirId, kind, offset: skip, limit } : { parentId: dirId, kind, afterName, limit },
    );
    const last = entries[entries.length - 1];
    if (last) this.cursors.remember(dirId, kind, skip + entries.length, last.name);
    return entries;
  }

  async rename(caller: Caller, oldPath: string, newPath: string): Promise<void> {
    const from = resolvePath(caller, oldPath);
    const to = resolvePath(caller, newPath);
    const root = caller.session.root;
    if (from === root || to === root) throw new OriginError('PermissionDenied', { reason: 'cannot rename the root' });
    const now = nowSeconds(this.deps);
    await this.deps.metadata.transaction(async (tx) => {
      const node = await tx.getNodeByPath(from);
      if (!node) throw new OriginError('NotFound', { path: from });
      if (from === to) throw new OriginError('NotFound', { reason: 'the new name is the current name' });
      if (await tx.getNodeByPath(to)) throw new OriginError('AlreadyExists', { path: to });
      const parent = await tx.getNodeByPath(parentOf(to));
      if (parent?.kind !== 'dir') throw new OriginError('ParentMissing', { path: parentOf(to) });
      if (node.kind === 'dir') {
        // working_with_methods.md: only an empty directory can be renamed or moved.
        if (await tx.hasChildren(node.id)) throw new OriginError('NotEmpty', { path: from });
        if (to.startsWith(from + '/')) throw new OriginError('PermissionDenied', { reason: 'cannot move a directory into itself' });
      }
      await tx.updateNode(node.id, { parentId: parent.id, name: baseName(to), path: to });
      await tx.updateNode(parent.id, { mtime: now });
      if (node.parentId !== null && node.parentId !== parent.id) await tx.updateNode(node.parentId, { mtime: now });
    });
  }

  async setMTime(caller: Caller, path: string, mtime: number): Promise<void> {
    const abs = resolvePath(caller, path);
    if (!isValidMtime(mtime)) throw new OriginError('InvalidMtime', { reason: 'mtime must be whole seconds since the epoch, up to the year 9999' });
    await this.deps.metadata.transaction(async (tx) => {
      const node = await tx.getNodeByPath(abs);
      if (!node) throw new OriginError('NotFound', { path: abs });
      await tx.updateNode(node.id, { mtime });
    });
  }

  async deleteFile(caller: Caller, path: string): Promise<void> {
    const abs = resolvePath(caller, path);
    await this.deps.metadata.transaction(async (tx) => {
      const node = await tx.getNodeByPath(abs);
      if (node?.kind !== 'file') throw new OriginError('NotFound', { path: abs });
      await this.removeFile(tx, node);
    });
    this.garbage.kick();
  }

  private async removeFile(tx: MetadataOps, node: NodeRecord): Promise<void> {
    await removeFileNode(tx, node);
    if (node.parentId !== null) await tx.updateNode(node.parentId, { mtime: nowSeconds(this.deps) });
  }

  /** deleteObject (C# SDK): a file or an empty directory; nothing there is success. */
  async deleteObject(caller: Caller, path: string): Promise<void> {
    const abs = resolvePath(caller, path);
    if (abs === caller.session.root) throw new OriginError('PermissionDenied', { reason: 'cannot delete the root' });
    await this.deps.metadata.transaction(async (tx) => {
      const node = await tx.getNodeByPath(abs);
      if (!node) return;
      if (node.kind === 'dir') await this.removeDirectory(tx, node);
      else await this.removeFile(tx, node);
    });
    this.garbage.kick();
  }

  /** working_with_files_json.md, setContentType: a directory is a silent no-op; the caller's gid must own the file. */
  async setContentType(caller: Caller, path: string, contentType: string): Promise<void> {
    const abs = resolvePath(caller, path);
    const mime = canonicalContentType(contentType);
    if (!mime) throw new OriginError('InvalidContentType', { reason: `${contentType} is not a supported content type` });
    await this.deps.metadata.transaction(async (tx) => {
      const parent = await tx.getNodeByPath(parentOf(abs));
      if (parent?.kind !== 'dir') throw new OriginError('ParentMissing', { path: parentOf(abs) });
      const node = await tx.getNodeByPath(abs);
      if (!node) throw new OriginError('NotFound', { path: abs });
      if (node.kind === 'dir') return;
      if (node.gid !== caller.user.gid) throw new OriginError('PermissionDenied', { reason: 'the file belongs to another group' });
      await tx.updateNode(node.id, { mime });
    });
  }

  /**
   * copyFile (C# SDK): a synchronous copy that shares the source's blob, so
   * no byte is rewritten whatever the blob store. An existing destination
   * file is replaced, as an upload would replace it.
   */
  async copyFile(caller: Caller, path: string, newPath: string): Promise<void> {
    const from = resolvePath(caller, path);
    const to = resolvePath(caller, newPath);
    const now = nowSeconds(this.deps);
    await this.deps.metadata.transaction(async (tx) => {
      const source = await tx.getNodeByPath(from);
      if (source?.kind !== 'file') throw new OriginError('NotFound', { path: from });
      const parent = await tx.getNodeByPath(parentOf(to));
      if (parent?.kind !== 'dir') throw new OriginError('ParentMissing', { path: parentOf(to) });
      await shareFileContent(tx, source, parent, to, caller.user, now);
    });
    this.garbage.kick();
  }
}
