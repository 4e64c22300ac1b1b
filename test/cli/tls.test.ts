/**
 * `--tls-cert` and `--tls-key` make `originstore serve` speak HTTPS: the
 * JSON-RPC interface, uploads and egress all answer over TLS with the
 * certificate given. The certificate in test/fixtures/tls is self-signed for
 * 127.0.0.1 and exists for this test only.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { startChildServer } from '../helpers/child-server.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
const CERT = join(FIXTURES, 'cert.pem');
const KEY = join(FIXTURES, 'key.pem');
const CA = readFileSync(CERT);

function https(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string; peerCertificate: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca: CA, agent: false }, (res) => {
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let text = '';
      res.setEncoding('utf8').on('data', (s: string) => (text += s));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, peerCertificate: fingerprint }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('tls: with --tls-cert and --tls-key the server answers JSON-RPC, uploads and egress over HTTPS with that certificate', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-tls-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const server = await startChildServer({ dataDir, args: ['--tls-cert', CERT, '--tls-key', KEY] });
  t.after(() => server.kill('SIGKILL'));
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);

  const ping = await https(`${server.url}/jsonrpc`, 'POST', { 'Content-Type': 'application/json' }, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: [] }));
  assert.equal(ping.status, 200);
  assert.deepEqual(JSON.parse(ping.body), { jsonrpc: '2.0', id: 1, result: { code: 0, operation: 'pong' } });
  assert.equal(ping.peerCertificate, new X509Certificate(CA).fingerprint256, 'the server presents the certificate it was given');

  const login = await https(`${server.url}/account/login`, 'POST', { 'X-Agile-Username': 'demo', 'X-Agile-Password': 'secret' });
  assert.equal(login.headers['x-agile-status'], '0');
  const token = login.headers['x-agile-token'] as string;
  const upload = await https(`${server.url}/post/raw`, 'POST', { 'X-Agile-Authorization': token, 'X-Agile-Basename': 'over-tls.txt', 'Content-Length': '9' }, 'encrypted');
  assert.equal(upload.status, 200);
  assert.equal(upload.headers['x-agile-status'], '0');
  const got = await https(`${server.url}/demo/over-tls.txt`, 'GET', {});
  assert.equal(got.status, 200);
  assert.equal(got.body, 'encrypted');
  assert.equal(await server.kill('SIGTERM'), 0);
});
