/** Directory and file methods: makeDir(2), deleteDir, listDir, listFile, listPath, stat, rename, setMTime, deleteFile, setContentType, copyFile, deleteObject. */
import { contentTypeNumber } from '../../../domain/content-types.js';
import { decodePathCookie, encodePathCookie } from '../../../domain/cookies.js';
import { TYPE_DIRECTORY, TYPE_FILE, type NodeKind, type NodeRecord } from '../../../domain/model.js';
import { action, bool, codeObject, num, PATH, str, TOKEN, type MethodDef } from '../method.js';
import type { Args } from '../params.js';

const LIST_PARAMS = (cookie: MethodDef['params'][number]): MethodDef['params'] => [
  TOKEN,
  PATH,
  { name: 'pageSize', type: 'int', default: 100 },
  cookie,
  { name: 'stat', type: 'bool', default: false },
];

function listing(kind: NodeKind): MethodDef {
  return {
    params: LIST_PARAMS({ name: 'cookie', type: 'int', default: 0 }),
    takesToken: true,
    failure: codeObject,
    async run(s, a) {
      const caller = await s.sessions.resolve(str(a, 'token'));
      const page = await s.namespace.list(caller, str(a, 'path'), kind, num(a, 'pageSize'), num(a, 'cookie'));
      const withStat = bool(a, 'stat');
      return {
        code: 0,
        cookie: page.nextCount,
        // Each entry built whole, in one shape: a page holds up to 10,000 of them.
        list: page.entries.map((n) => {
          const type = kind === 'dir' ? TYPE_DIRECTORY : TYPE_FILE;
          return withStat ? { name: n.name, type, stat: kind === 'dir' ? dirStat(n) : fileStat(n) } : { name: n.name, type };
        }),
      };
    },
  };
}

function dirStat(n: NodeRecord): Record<string, unknown> {
  return { uid: n.uid, gid: n.gid, ctime: n.ctime, mtime: n.mtime };
}

function fileStat(n: NodeRecord): Record<string, unknown> {
  return { uid: n.uid, gid: n.gid, size: n.sizeBytes, checksum: n.sha256, ctime: n.ctime, mimetype: n.mime, mtime: n.mtime };
}

/**
 * listPath entries with stat: the documented flat fields, plus a nested
 * `stat` object that the vendor's C# SDK reads (`hash` and an integer `ctype`
 * for files).
 */
function pathEntry(n: NodeRecord, withStat: boolean): Record<string, unknown> {
  if (!withStat) return { name: n.name };
  if (n.kind === 'dir') return { name: n.name, ...dirStat(n), stat: dirStat(n) };
  const flat = fileStat(n);
  return {
    name: n.name,
    ...flat,
    stat: { ...flat, hash: n.sha256, ctype: contentTypeNumber(n.mime) },
  };
}

export const namespaceMethods: Record<string, MethodDef> = {
  makeDir: action([TOKEN, PATH], (s, c, a) => s.namespace.makeDir(c, str(a, 'path'), false)),
  makeDir2: action([TOKEN, PATH], (s, c, a) => s.namespace.makeDir(c, str(a, 'path'), true)),
  deleteDir: action([TOKEN, PATH], (s, c, a) => s.namespace.deleteDir(c, str(a, 'path'))),
  deleteFile: action([TOKEN, PATH], (s, c, a) => s.namespace.deleteFile(c, str(a, 'path'))),
  deleteObject: action([TOKEN, PATH], (s, c, a) => s.namespace.deleteObject(c, str(a, 'path'))),
  rename: action(
    [TOKEN, { name: 'oldpath', type: 'string', aliases: ['oldPath'] }, { name: 'newpath', type: 'string', aliases: ['newPath'] }],
    (s, c, a) => s.namespace.rename(c, str(a, 'oldpath'), str(a, 'newpath')),
  ),
  setMTime: action([TOKEN, PATH, { name: 'mtime', type: 'int' }], (s, c, a) =>
    s.namespace.setMTime(c, str(a, 'path'), num(a, 'mtime')),
  ),
  setContentType: action([TOKEN, PATH, { name: 'content_type', type: 'string', aliases: ['contentType'] }], (s, c, a) =>
    s.namespace.setContentType(c, str(a, 'path'), str(a, 'content_type')),
  ),
  copyFile: action([TOKEN, PATH, { name: 'newpath', type: 'string', aliases: ['newPath'] }], (s, c, a) =>
    s.namespace.copyFile(c, str(a, 'path'), str(a, 'newpath')),
  ),

  listDir: listing('dir'),
  listFile: listing('file'),

  listPath: {
    params: LIST_PARAMS({ name: 'cookie', type: 'stringOrNull', default: null }),
    takesToken: true,
    failure: codeObject,
    async run(s, a) {
      const caller = await s.sessions.resolve(str(a, 'token'));
      const page = await s.namespace.listPath(caller, str(a, 'path'), num(a, 'pageSize'), decodePathCookie(a['cookie'] as string | null));
      const withStat = bool(a, 'stat');
      const empty = page.dirs.length + page.files.length === 0;
      return {
        code: 0,
        cookie: empty ? null : encodePathCookie(page.next),
        dirs: page.dirs.map((n) => pathEntry(n, withStat)),
        files: page.files.map((n) => pathEntry(n, withStat)),
      };
    },
  },

  stat: {
    params: [TOKEN, PATH, { name: 'detail', type: 'bool', default: false }],
    takesToken: true,
    failure: (code) => ({ uid: 0, code, gid: 0, checksum: '' }),
    async run(s, a) {
      const caller = await s.sessions.resolve(str(a, 'token'));
      const n = await s.namespace.stat(caller, str(a, 'path'));
      const isFile = n.kind === 'file';
      const out: Record<string, unknown> = { code: 0, ctime: n.ctime, mtime: n.mtime, type: isFile ? TYPE_FILE : TYPE_DIRECTORY };
      if (isFile) out['size'] = n.sizeBytes;
      if (bool(a, 'detail')) {
        out['uid'] = n.uid;
        out['gid'] = n.gid;
        out['checksum'] = isFile ? n.sha256 : '';
        if (isFile) out['mimetype'] = n.mime;
      }
      return out;
    },
  },
};
