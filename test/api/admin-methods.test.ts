/**
 * The account administration extensions (docs/extensions.md): an account
 * administrator manages the users and key pairs of its own account only;
 * anyone else gets -6, and users of other accounts are -1.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ACCOUNT, startServer, USER, type TestServer } from '../helpers/server.js';

let server: TestServer;
let adminToken: string;

before(async () => {
  server = await startServer();
  await server.app.services.admin.setAdmin(USER, true);
  await server.app.services.admin.addAccount('elsewhere');
  await server.app.services.admin.addUser('elsewhere', 'olaf', 'pw');
  adminToken = await server.login();
});
after(() => server.close());

test('getSessionInfo: names the user, its account, home and whether it administers the account', async () => {
  const r = await server.rpc('getSessionInfo', { token: adminToken });
  assert.equal(r.code, 0);
  assert.equal(r.username, USER);
  assert.equal(r.account, ACCOUNT);
  assert.equal(r.home, '/');
  assert.equal(r.path, `/${ACCOUNT}`);
  assert.equal(r.admin, true);
  assert.ok(r.expires_ms > Date.now());
});

test('getSessionInfo: -10001 for a bad token', async () => {
  assert.deepEqual(await server.rpc('getSessionInfo', ['nope']), { code: -10001 });
});

test('adminAddUser: creates a user restricted to its home, who logs in there', async () => {
  const r = await server.rpc('adminAddUser', { token: adminToken, username: 'hana', password: 'pw-hana', home: '/teams/hana' });
  assert.equal(r.code, 0);
  assert.equal(r.user.username, 'hana');
  assert.equal(r.user.home, '/teams/hana');
  assert.equal(r.user.admin, false);
  const login = await server.rpc('login', ['hana', 'pw-hana', true]);
  assert.equal(login[1].path, `/${ACCOUNT}/teams/hana`);
});

test('adminAddUser: -2 for a user name already taken, in any account', async () => {
  assert.equal((await server.rpc('adminAddUser', [adminToken, 'olaf', 'pw'])).code, -2);
});

test('adminAddUser: -40 / -41 for an empty user name or password', async () => {
  assert.equal((await server.rpc('adminAddUser', [adminToken, '', 'pw'])).code, -40);
  assert.equal((await server.rpc('adminAddUser', [adminToken, 'nopass', ''])).code, -41);
});

test('adminListUsers: lists the users of the caller\'s account only, without secrets', async () => {
  const r = await server.rpc('adminListUsers', [adminToken]);
  assert.equal(r.code, 0);
  const names = r.users.map((u: { username: string }) => u.username);
  assert.ok(names.includes(USER) && names.includes('hana'));
  assert.ok(!names.includes('olaf'), 'a user of another account is not listed');
  for (const u of r.users) assert.ok(!('password_hash' in u) && !('secret_key' in u));
});

test('admin methods: -6 for a caller that is not an account administrator', async () => {
  await server.app.services.admin.addUser(ACCOUNT, 'plain', 'pw');
  const token = await server.login('plain', 'pw');
  assert.equal((await server.rpc('adminListUsers', [token])).code, -6);
  assert.equal((await server.rpc('adminSetPassword', [token, USER, 'x'])).code, -6);
  assert.equal((await server.rpc('getSessionInfo', [token])).admin, false);
});

test('admin methods: -1 for a user of another account', async () => {
  assert.equal((await server.rpc('adminSetPassword', [adminToken, 'olaf', 'x'])).code, -1);
  assert.equal((await server.rpc('adminSetDisabled', [adminToken, 'olaf', true])).code, -1);
  assert.equal((await server.rpc('adminInitKeyPair', [adminToken, 'olaf'])).code, -1);
});

test('adminSetPassword: the new password logs in and the old one does not', async () => {
  await server.app.services.admin.addUser(ACCOUNT, 'pia', 'old');
  assert.equal((await server.rpc('adminSetPassword', { token: adminToken, username: 'pia', password: 'new' })).code, 0);
  assert.deepEqual(await server.rpc('login', ['pia', 'old']), [null, null]);
  assert.equal(typeof (await server.rpc('login', ['pia', 'new']))[0], 'string');
});

test('adminSetDisabled: a disabled user cannot log in and its tokens end; enabling lets it back', async () => {
  await server.app.services.admin.addUser(ACCOUNT, 'dora', 'pw');
  const token = await server.login('dora', 'pw');
  assert.equal((await server.rpc('adminSetDisabled', [adminToken, 'dora', true])).code, 0);
  assert.equal((await server.rpc('noop', [token])).code, -10001);
  assert.deepEqual(await server.rpc('login', ['dora', 'pw']), [null, null]);
  assert.equal((await server.rpc('adminSetDisabled', [adminToken, 'dora', false])).code, 0);
  assert.equal(typeof (await server.rpc('login', ['dora', 'pw']))[0], 'string');
});

test('adminSetDisabled / adminSetAdmin: an administrator cannot disable or demote itself (-6)', async () => {
  assert.equal((await server.rpc('adminSetDisabled', [adminToken, USER, true])).code, -6);
  assert.equal((await server.rpc('adminSetAdmin', [adminToken, USER, false])).code, -6);
});

test('adminSetHome: moves the user to a new home (created) and ends its tokens', async () => {
  await server.app.services.admin.addUser(ACCOUNT, 'ivo', 'pw');
  const token = await server.login('ivo', 'pw');
  assert.equal((await server.rpc('adminSetHome', [adminToken, 'ivo', '/homes/ivo'])).code, 0);
  assert.equal((await server.rpc('noop', [token])).code, -10001);
  assert.equal((await server.rpc('login', ['ivo', 'pw', true]))[1].path, `/${ACCOUNT}/homes/ivo`);
  assert.equal((await server.rpc('adminSetHome', [adminToken, 'ivo', '/a/../b'])).code, -8);
});

test('adminInitKeyPair / adminDeleteKeyPair: a key pair is issued once, listed by access key, and revoked', async () => {
  const r = await server.rpc('adminInitKeyPair', [adminToken, 'hana']);
  assert.equal(r.code, 0);
  assert.match(r.access_key, /^[0-9a-f]{40}$/);
  assert.match(r.secret_key, /^[0-9a-f]{48}$/);
  const listed = (await server.rpc('adminListUsers', [adminToken])).users.find((u: { username: string }) => u.username === 'hana');
  assert.equal(listed.access_key, r.access_key);
  assert.equal((await server.rpc('adminDeleteKeyPair', [adminToken, 'hana'])).code, 0);
  assert.equal((await server.rpc('adminDeleteKeyPair', [adminToken, 'hana'])).code, -1);
  const after = (await server.rpc('adminListUsers', [adminToken])).users.find((u: { username: string }) => u.username === 'hana');
  assert.equal(after.access_key, null);
});

test('adminSetAdmin: a new administrator may use the admin methods', async () => {
  assert.equal((await server.rpc('adminSetAdmin', [adminToken, 'pia', true])).code, 0);
  const token = await server.login('pia', 'new');
  assert.equal((await server.rpc('adminListUsers', [token])).code, 0);
});
