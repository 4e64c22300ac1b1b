/**
 * originstore's own methods, for the console and account administrators
 * (docs/extensions.md). None changes a documented call. Each answers an
 * object with `code: 0` and fails with `{code}`, the shape the spec's
 * object-returning methods use.
 */
import type { UserSummary } from '../../../service/account-admin.js';
import { bool, codeObject, str, TOKEN, type MethodDef } from '../method.js';
import type { Args, ParamDef } from '../params.js';
import type { Services } from '../../../service/index.js';

const USERNAME: ParamDef = { name: 'username', type: 'string' };

function method(params: readonly ParamDef[], run: (s: Services, a: Args) => Promise<Record<string, unknown>>): MethodDef {
  return { params: [TOKEN, ...params], takesToken: true, failure: codeObject, run: async (s, a) => ({ code: 0, ...(await run(s, a)) }) };
}

function wire(u: UserSummary): Record<string, unknown> {
  return {
    username: u.username, account: u.account, home: u.home, uid: u.uid, gid: u.gid, disabled: u.disabled, admin: u.admin,
    created: u.created, access_key: u.accessKey, key_created: u.keyCreated,
  };
}

export const adminMethods: Record<string, MethodDef> = {
  getSessionInfo: method([], async (s, a) => {
    const info = await s.accountAdmin.sessionInfo(str(a, 'token'));
    return { username: info.username, account: info.account, home: info.home, path: info.root, admin: info.admin, expires_ms: info.expiresMs };
  }),

  adminListUsers: method([], async (s, a) => ({ users: (await s.accountAdmin.listUsers(str(a, 'token'))).map(wire) })),

  adminAddUser: method(
    [USERNAME, { name: 'password', type: 'string' }, { name: 'home', type: 'string', default: '/' }, { name: 'admin', type: 'bool', default: false }],
    async (s, a) => ({
      user: wire(await s.accountAdmin.addUser(str(a, 'token'), {
        username: str(a, 'username'), password: str(a, 'password'), home: str(a, 'home'), admin: bool(a, 'admin'),
      })),
    }),
  ),

  adminSetPassword: method([USERNAME, { name: 'password', type: 'string' }], async (s, a) => {
    await s.accountAdmin.setPassword(str(a, 'token'), str(a, 'username'), str(a, 'password'));
    return {};
  }),

  adminSetDisabled: method([USERNAME, { name: 'disabled', type: 'bool', default: true }], async (s, a) => {
    await s.accountAdmin.setDisabled(str(a, 'token'), str(a, 'username'), bool(a, 'disabled'));
    return {};
  }),

  adminSetHome: method([USERNAME, { name: 'home', type: 'string' }], async (s, a) => {
    await s.accountAdmin.setHome(str(a, 'token'), str(a, 'username'), str(a, 'home'));
    return {};
  }),

  adminSetAdmin: method([USERNAME, { name: 'admin', type: 'bool', default: true }], async (s, a) => {
    await s.accountAdmin.setAdmin(str(a, 'token'), str(a, 'username'), bool(a, 'admin'));
    return {};
  }),

  // The secret is returned here once, as initKeyPair does (initializing_hmac_key_pairs.md).
  adminInitKeyPair: method([USERNAME], async (s, a) => {
    const pair = await s.accountAdmin.initKeyPair(str(a, 'token'), str(a, 'username'));
    return { access_key: pair.accessKey, secret_key: pair.secretKey };
  }),

  adminDeleteKeyPair: method([USERNAME], async (s, a) => {
    await s.accountAdmin.deleteKeyPair(str(a, 'token'), str(a, 'username'));
    return {};
  }),
};
