/** login, authenticate, logout, checkToken, updateSession, initKeyPair, noop, ping. */
import { OriginError } from '../../../domain/errors.js';
import { bareCode, bool, codeObject, num, str, TOKEN, type MethodDef } from '../method.js';

export const sessionMethods: Record<string, MethodDef> = {
  login: {
    params: [
      { name: 'username', type: 'string' },
      { name: 'password', type: 'string' },
      { name: 'detail', type: 'bool', default: false },
    ],
    takesToken: false,
    missingParamCode: -32603,
    // Bad credentials are [null, null]; -40/-41 come back bare.
    failure: (code) => (code === -10001 ? [null, null] : code),
    async run(s, a) {
      try {
        const { token, user, root } = await s.sessions.login(str(a, 'username'), str(a, 'password'));
        const info: Record<string, unknown> = { uid: user.uid, gid: user.gid };
        if (bool(a, 'detail')) info['path'] = root;
        return [token, info];
      } catch (err) {
        if (err instanceof OriginError && err.kind === 'BadCredentials') return [null, null];
        throw err;
      }
    },
  },

  authenticate: {
    params: [
      { name: 'username', type: 'string', default: '' },
      { name: 'password', type: 'string', default: '' },
      { name: 'expiry', type: 'int', default: 0 },
      { name: 'subdir', type: 'string', default: '/' },
    ],
    takesToken: false,
    failure: (code, a) => ({ uid: 0, path: a['subdir'] ?? '/', gid: 0, code, token: null }),
    async run(s, a) {
      // "-10001: ... both username and password were not passed".
      if (a['username'] === '' && a['password'] === '') throw new OriginError('BadCredentials');
      const expiry = num(a, 'expiry');
      const { token, user, root } = await s.sessions.login(str(a, 'username'), str(a, 'password'), {
        expirySeconds: expiry === 0 ? undefined : expiry,
        subdir: str(a, 'subdir'),
        origin: 'authenticate',
      });
      return { uid: user.uid, path: root, gid: user.gid, code: 0, token };
    },
  },

  logout: {
    params: [TOKEN],
    takesToken: true,
    failure: bareCode,
    async run(s, a) {
      await s.sessions.logout(str(a, 'token'));
      return 0;
    },
  },

  checkToken: {
    params: [TOKEN],
    takesToken: true,
    failure: codeObject,
    async run(s, a) {
      const { caller, ageSeconds } = await s.sessions.checkToken(str(a, 'token'));
      return {
        uid: caller.user.uid,
        path: caller.session.root,
        code: 0,
        gid: caller.user.gid,
        age: ageSeconds,
        username: caller.user.username,
      };
    },
  },

  updateSession: {
    params: [TOKEN, { name: 'expire', type: 'int', default: 0 }],
    takesToken: true,
    failure: bareCode,
    async run(s, a) {
      await s.sessions.updateSession(str(a, 'token'), num(a, 'expire'));
      return 0;
    },
  },

  // initializing_hmac_key_pairs.md: the secret is shown here once and never again.
  initKeyPair: {
    params: [TOKEN],
    takesToken: true,
    failure: bareCode,
    async run(s, a) {
      const pair = await s.signing.initKeyPair(str(a, 'token'));
      return { code: 0, access_key: pair.accessKey, secret_key: pair.secretKey };
    },
  },

  noop: {
    params: [TOKEN, { name: 'operation', type: 'any', default: 'pong' }],
    takesToken: true,
    failure: codeObject,
    async run(s, a) {
      await s.sessions.resolve(str(a, 'token'));
      return { code: 0, operation: a['operation'] };
    },
  },

  ping: {
    params: [{ name: 'operation', type: 'any', default: 'pong' }],
    takesToken: false,
    failure: codeObject,
    run: async (_s, a) => ({ code: 0, operation: a['operation'] }),
  },
};
