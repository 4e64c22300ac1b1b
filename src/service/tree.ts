/**
 * Directory-tree rules shared by every use case that creates things:
 * a parent must be a directory, intermediate directories are created only
 * when asked, and creating an entry sets its parent's mtime (the spec says so
 * for makeDir, makeDir2, /post/directory and both uploads).
 */
import { OriginError } from '../domain/errors.js';
import type { NodeRecord } from '../domain/model.js';
import { baseName, parentOf, segmentsOf } from '../domain/paths.js';
import type { MetadataOps } from '../ports/metadata-store.js';

export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** Insert a directory at `path` under `parent` and touch the parent's mtime. */
export async function insertDirectory(
  tx: MetadataOps,
  parent: NodeRecord,
  path: string,
  owner: Owner,
  now: number,
): Promise<NodeRecord> {
  const node = await tx.insertNode({
    parentId: parent.id,
    name: baseName(path),
    path,
    kind: 'dir',
    sizeBytes: 0,
    sha256: '',
    mime: '',
    ctime: now,
    mtime: now,
    uid: owner.uid,
    gid: owner.gid,
    blobId: null,
  });
  await tx.updateNode(parent.id, { mtime: now });
  return node;
}

/**
 * The directory that will hold `path`. With `createParents`, missing
 * directories on the way are created; a file on the way is AlreadyExists
 * (makeDir2's "-2 path exists"). Without it, anything but an existing
 * directory is ParentMissing.
 */
export async function parentForCreate(
  tx: MetadataOps,
  path: string,
  opts: { createParents: boolean; owner: Owner; now: number },
): Promise<NodeRecord> {
  const parentPath = parentOf(path);
  const parent = await tx.getNodeByPath(parentPath);
  if (parent?.kind === 'dir') return parent;
  if (!opts.createParents) throw new OriginError('ParentMissing', { path: parentPath });
  if (parent) throw new OriginError('AlreadyExists', { path: parentPath, reason: 'a file holds a parent name' });
  return ensureDirectory(tx, parentPath, opts.owner, opts.now);
}

/** mkdir -p: every directory on the way to `path`, which must not be held by a file. */
export async function ensureDirectory(tx: MetadataOps, path: string, owner: Owner, now: number): Promise<NodeRecord> {
  const segments = segmentsOf(path);
  let current = await tx.getNodeByPath('/');
  if (!current) throw new Error('the namespace root is missing');
  let currentPath = '';
  for (const segment of segments) {
    currentPath += '/' + segment;
    const existing = await tx.getNodeByPath(currentPath);
    if (existing?.kind === 'dir') {
      current = existing;
      continue;
    }
    if (existing) throw new OriginError('AlreadyExists', { path: currentPath, reason: 'a file holds a directory name' });
    current = await insertDirectory(tx, current, currentPath, owner, now);
  }
  return current;
}

/**
 * Drop a file node and schedule its blob for deletion once no node refers
 * to it (copies share blobs). The caller's transaction makes both atomic.
 */
export async function removeFileNode(tx: MetadataOps, node: NodeRecord): Promise<void> {
  await tx.deleteNode(node.id);
  await releaseBlob(tx, node.blobId);
}

export async function releaseBlob(tx: MetadataOps, blobId: string | null): Promise<void> {
  if (blobId && (await tx.countBlobReferences(blobId)) === 0) await tx.addGarbageBlob(blobId);
}

/**
 * Point `path` (under `parent`) at `source`'s blob: insert a file node or
 * replace the file there, and touch the parent's mtime. No byte is copied;
 * the replaced blob is released once nothing refers to it.
 */
export async function shareFileContent(
  tx: MetadataOps,
  source: NodeRecord,
  parent: NodeRecord,
  path: string,
  owner: Owner,
  now: number,
): Promise<void> {
  const existing = await tx.getNodeByPath(path);
  if (existing?.kind === 'dir') throw new OriginError('IsDirectory', { path });
  if (existing && existing.id === source.id) return;
  const content = { sizeBytes: source.sizeBytes, sha256: source.sha256, mime: source.mime, blobId: source.blobId };
  if (existing) {
    await tx.updateNode(existing.id, { ...content, ctime: now, mtime: now, uid: owner.uid, gid: owner.gid });
    await releaseBlob(tx, existing.blobId);
  } else {
    await tx.insertNode({ ...content, parentId: parent.id, name: baseName(path), path, kind: 'file', ctime: now, mtime: now, uid: owner.uid, gid: owner.gid });
  }
  await tx.updateNode(parent.id, { mtime: now });
}
