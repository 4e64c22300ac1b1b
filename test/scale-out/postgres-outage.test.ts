/**
 * PostgreSQL becomes unreachable in the middle of uploads, then comes back
 * (docs/scale-out.md, "When PostgreSQL is briefly unreachable"). The
 * machine's PostgreSQL keeps running: the two servers reach it through a TCP
 * proxy in this test, and the proxy is what gets cut.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PG_URL, postgresSkip } from '../helpers/postgres.js';
import { call, unique, upload } from '../helpers/rpc.js';
import { startCluster, type Cluster } from '../helpers/scale-out.js';
import type { TestServer } from '../helpers/server.js';

const options = await postgresSkip('the PostgreSQL outage test');

/** Forwards to PostgreSQL until cut; while cut, every connection (open or new) is dropped at once. */
class CuttableProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private up = true;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => {
      if (!this.up) return void client.destroy();
      const upstream = connect(this.target.port, this.target.host);
      for (const [s, other] of [[client, upstream], [upstream, client]] as const) {
        this.sockets.add(s);
        s.on('error', () => other.destroy());
        s.on('close', () => {
          this.sockets.delete(s);
          other.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  }

  cut(): void {
    this.up = false;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.up = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** An upload whose body is sent in two halves, so that something can happen in between. */
interface Streamed {
  readonly req: ClientRequest;
  readonly answer: Promise<{ status: number; agileStatus: string | null; body: string }>;
}

function streamedPost(url: string, path: string, headers: Record<string, string>, firstHalf: Buffer): Streamed {
  const req = request(`${url}${path}`, { method: 'POST', headers: { ...headers, 'Transfer-Encoding': 'chunked' } });
  const answer = new Promise<{ status: number; agileStatus: string | null; body: string }>((resolve, reject) => {
    req.on('response', (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, agileStatus: (res.headers['x-agile-status'] as string | undefined) ?? null, body }));
    });
    req.on('error', reject);
  });
  req.write(firstHalf);
  return { req, answer };
}

/** Until every server has a temporary open per upload sent to it: the bodies are being received. */
async function receiving(dataDir: string, count: number): Promise<void> {
  while ((await readdir(join(dataDir, 'tmp'))).length < count) await new Promise((resolve) => setTimeout(resolve, 5));
}

const NO_STACK = /\bat .*\(|\.ts:\d+|node:internal/;

let proxy: CuttableProxy;
let cluster: Cluster;
let a: TestServer;
let b: TestServer;

before(async () => {
  if (options.skip) return;
  const target = new URL(PG_URL);
  proxy = new CuttableProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const port = await proxy.listen();
  const viaProxy = new URL(PG_URL);
  viaProxy.host = `127.0.0.1:${port}`;
  // The blobs stay in one data directory: the test watches its temporaries to cut mid-upload.
  cluster = await startCluster(2, { base: viaProxy.toString(), blobs: 'files' });
  [a, b] = cluster.servers as [TestServer, TestServer];
});
after(async () => {
  proxy?.restore();
  await cluster?.close();
  await proxy?.close();
});

test('PostgreSQL unreachable mid-upload: uploads answer -26 @ 503, JSON-RPC answers a clear error, nothing acknowledged is lost, and both servers recover without restart', options, async () => {
  const token = await a.login();
  const dir = `/${unique('outage')}`;
  assert.equal(await call(a, 'makeDir', [token, dir]), 0);
  const acknowledged = new Map<string, string>();
  for (const [i, server] of [a, b, a, b].entries()) {
    const path = `${dir}/before${i}.txt`;
    await upload(server, token, path, `acknowledged ${i}`);
    acknowledged.set(path, `acknowledged ${i}`);
  }
  const { mpid } = await call(b, 'createMultipart', [token, `${dir}/pieces.bin`, '', 0]);

  // Uploads in flight on both servers, one multipart piece among them.
  const raw = (server: TestServer, name: string) =>
    streamedPost(server.url, '/post/raw', { 'X-Agile-Authorization': token, 'X-Agile-Directory': dir, 'X-Agile-Basename': name }, Buffer.alloc(64 * 1024, 1));
  const inFlight = [raw(a, 'lost-a.txt'), raw(b, 'lost-b.txt'),
    streamedPost(b.url, '/multipart/piece', { 'X-Agile-Authorization': token, 'X-Agile-Multipart': mpid, 'X-Agile-Part': '1' }, Buffer.alloc(1024, 2))];
  await receiving(cluster.servers[0]!.dataDir, inFlight.length);

  proxy.cut();
  for (const upload of inFlight) upload.req.end(Buffer.alloc(64 * 1024, 3));
  for (const upload of inFlight) {
    const answer = await upload.answer;
    assert.deepEqual([answer.status, answer.agileStatus], [503, '-26'], `an upload in flight: ${JSON.stringify(answer)}`);
    assert.doesNotMatch(answer.body, NO_STACK);
  }

  // Every other interface says so too, without a stack trace.
  const rpc = await fetch(`${a.url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'stat', params: [token, `${dir}/before0.txt`] }) });
  assert.equal(rpc.status, 200);
  const rpcBody = await rpc.text();
  assert.deepEqual(JSON.parse(rpcBody).error, { code: -32000, message: 'service unavailable' });
  assert.doesNotMatch(rpcBody, NO_STACK);
  assert.deepEqual((await call(b, 'listMultipartPiece', [token, mpid, 0, 100])).code, -26);
  const login = await fetch(`${b.url}/account/login`, { method: 'POST', headers: { 'X-Agile-Username': 'alice', 'X-Agile-Password': 'secret' } });
  assert.deepEqual([login.status, login.headers.get('x-agile-status')], [503, '-26']);
  const egress = await fetch(`${b.url}/acme${dir}/before1.txt`);
  assert.equal(egress.status, 503);
  assert.doesNotMatch(await egress.text(), NO_STACK);
  assert.equal((await fetch(`${a.url}/healthz`)).status, 503);

  // PostgreSQL is back: the same processes answer again.
  proxy.restore();
  assert.equal((await fetch(`${a.url}/healthz`)).status, 200);
  assert.equal((await fetch(`${b.url}/healthz`)).status, 200);
  const fresh = await b.login();
  for (const [i, server] of [b, a].entries()) {
    const path = `${dir}/after${i}.txt`;
    await upload(server, fresh, path, `after ${i}`);
    acknowledged.set(path, `after ${i}`);
  }
  for (const [path, content] of acknowledged) {
    for (const server of [a, b]) {
      const res = await fetch(`${server.url}/acme${path}`);
      assert.deepEqual([res.status, await res.text()], [200, content], path);
    }
  }
  // Nothing half-written: the failed uploads left no file and no piece.
  for (const name of ['lost-a.txt', 'lost-b.txt']) assert.equal((await call(a, 'stat', [token, `${dir}/${name}`])).code, -1, name);
  assert.equal((await call(a, 'getMultipartStatus', [token, mpid])).numpieces, 0);
  assert.deepEqual(await readdir(join(a.dataDir, 'tmp')), [], 'the failed uploads left no temporary');
  // The upload that could not be recorded can be sent again.
  const again = await fetch(`${a.url}/multipart/piece`, { method: 'POST', headers: { 'X-Agile-Authorization': token, 'X-Agile-Multipart': mpid, 'X-Agile-Part': '1' }, body: 'again' });
  await again.arrayBuffer();
  assert.equal(again.headers.get('x-agile-status'), '0');
});
