/** working_with_multipart_json.md: createMultipart, status, map, listings, complete, abort, restart. */
import { OriginError } from '../../../domain/errors.js';
import type { MultipartRecord } from '../../../domain/model.js';
import { PIECE_STATE_NAMES, UPLOAD_STATE_NAMES } from '../../../domain/multipart-state.js';
import type { Services } from '../../../service/index.js';
import { action, codeObject, num, str, TOKEN, type MethodDef } from '../method.js';
import type { ParamDef } from '../params.js';

const MPID: ParamDef = { name: 'mpid', type: 'string' };
const COOKIE: ParamDef = { name: 'cookie', type: 'int', default: 0, aliases: ['lastpiece'] };
const PAGESIZE: ParamDef = { name: 'pagesize', type: 'int', default: 100, aliases: ['pageSize'] };

function withContentType(s: Services, upload: MultipartRecord, out: Record<string, unknown>): Record<string, unknown> {
  // "if you did not pass a value for content type and the path did not have a file extension, content_type is absent".
  const ct = s.multipart.displayedContentType(upload);
  if (ct !== undefined) out['content_type'] = ct;
  return out;
}

export const multipartMethods: Record<string, MethodDef> = {
  createMultipart: {
    params: [TOKEN, { name: 'path', type: 'string' }, { name: 'content_type', type: 'string', default: '' }, { name: 'mtime', type: 'int', default: 0 }],
    takesToken: true,
    failure: codeObject,
    async run(s, a) {
      const caller = await s.sessions.resolve(str(a, 'token'));
      const upload = await s.multipart.create(caller, { path: str(a, 'path'), contentType: str(a, 'content_type'), mtime: num(a, 'mtime') });
      return { code: 0, mpid: upload.mpid };
    },
  },

  getMultipartStatus: {
    params: [TOKEN, MPID],
    takesToken: true,
    failure: codeObject,
    async run(s, a) {
      const caller = await s.sessions.resolve(str(a, 'token'));
      const { upload, numPieces } = await s.multipart.status(caller, str(a, 'mpid'));
      return withContentType(s, upload, {
        path: upload.path, code: 0, numpieces: numPieces, created: upload.created, state: upload.state,
        mtime: upload.mtime || upload.created, error: upload.error,
      });
    },
  },

  getMultipartStatusMap: {
    // "-19: invalid value for name parameter": any value but 'upload' and 'piece', whatever its type.
    params: [TOKEN, { name: 'name', type: 'any', default: 'upload' }],
    takesToken: true,
    failure: codeObject,
    async run(s, a) {
      await s.sessions.resolve(str(a, 'token'));
      const name = a['name'] ?? 'upload';
      const names = name === 'upload' ? UPLOAD_STATE_NAMES : name === 'piece' ? PIECE_STATE_NAMES : undefined;
      if (!names) throw new OriginError('InvalidMapName');
      return { code: 0, map: Object.fromEntries(Object.entries(names).map(([k, v]) => [k, v])) };
    },
  },

  listMultipart: {
    params: [TOKEN, COOKIE, PAGESIZE],
    takesToken: true,
    failure: codeObject,
    async run(s, a) {
      const caller = await s.sessions.resolve(str(a, 'token'));
      const { uploads, next } = await s.multipart.list(caller, num(a, 'cookie'), num(a, 'pagesize'));
      return {
        code: 0,
        cookie: next,
        multipart: uploads.map((u) => withContentType(s, u, {
          uid: u.uid, path: u.path, gid: u.gid, state: u.state, mtime: u.mtime || u.created, error: u.error, mpid: u.mpid,
        })),
      };
    },
  },

  listMultipartPiece: {
    params: [TOKEN, MPID, COOKIE, PAGESIZE],
    takesToken: true,
    failure: codeObject,
    async run(s, a) {
      const caller = await s.sessions.resolve(str(a, 'token'));
      const { pieces, next } = await s.multipart.listPieces(caller, str(a, 'mpid'), num(a, 'cookie'), num(a, 'pagesize'));
      return { code: 0, cookie: next, pieces: pieces.map((p) => ({ number: p.number, state: p.state, size: p.sizeBytes, error: p.error })) };
    },
  },

  completeMultipart: {
    params: [TOKEN, MPID],
    takesToken: true,
    failure: codeObject,
    async run(s, a) {
      const caller = await s.sessions.resolve(str(a, 'token'));
      return { code: 0, numpieces: await s.multipart.complete(caller, str(a, 'mpid')) };
    },
  },

  abortMultipart: action([TOKEN, MPID], (s, caller, a) => s.multipart.abort(caller, str(a, 'mpid'))),
  restartMultipart: action([TOKEN, MPID], (s, caller, a) => s.multipart.restart(caller, str(a, 'mpid'))),
};
