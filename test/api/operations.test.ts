/**
 * The operator's endpoints (DESIGN.md, "Structured JSON logs ...; Prometheus
 * metrics at /metrics; /healthz"): health answers 200 while the stores
 * answer, and /metrics counts requests by endpoint (a bounded label, never
 * the raw URL), HTTP status and X-Agile-Status.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let token: string;

before(async () => {
  server = await startServer();
  token = await server.login();
});
after(() => server.close());

/** originstore_requests_total samples, keyed by their label set as Prometheus prints it. */
async function requestCounts(): Promise<Map<string, number>> {
  const res = await fetch(`${server.url}/metrics`);
  assert.equal(res.status, 200);
  const counts = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const m = /^originstore_requests_total\{(.*)\} (\S+)$/.exec(line);
    if (m) counts.set(m[1]!, Number(m[2]));
  }
  return counts;
}

const labels = (endpoint: string, status: number, agile: number | ''): string =>
  `endpoint="${endpoint}",status="${status}",agile_status="${agile}"`;

test('healthz: answers 200 while the stores answer', async () => {
  const res = await fetch(`${server.url}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok' });
});

test('healthz: needs no token and ignores the Host', async () => {
  const res = await fetch(`${server.url}/healthz`, { headers: { 'X-Agile-Authorization': 'garbage' } });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
});

test('metrics: answers the Prometheus text format', async () => {
  const res = await fetch(`${server.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  assert.match(text, /^# HELP originstore_requests_total /m);
  assert.match(text, /^# TYPE originstore_requests_total counter$/m);
  assert.match(text, /^# TYPE originstore_request_seconds histogram$/m);
  assert.match(text, /^originstore_process_cpu_user_seconds_total /m);
});

interface CountRow {
  readonly name: string;
  readonly labels: string;
  readonly send: () => Promise<Response>;
}

const rows: CountRow[] = [
  {
    name: 'a successful /post/raw',
    labels: labels('/post/raw', 200, 0),
    send: () => server.postRaw('m', { 'X-Agile-Authorization': token, 'X-Agile-Basename': 'metric.txt' }),
  },
  { name: 'a /post/raw without a token', labels: labels('/post/raw', 401, -10001), send: () => server.postRaw('m', {}) },
  {
    name: 'a /post/raw into a missing directory',
    labels: labels('/post/raw', 400, -3),
    send: () => server.postRaw('m', { 'X-Agile-Authorization': token, 'X-Agile-Directory': '/not/here' }),
  },
  {
    name: 'a /post/directory',
    labels: labels('/post/directory', 200, 0),
    send: () => fetch(`${server.url}/post/directory`, { method: 'POST', headers: { 'X-Agile-Authorization': token, 'X-Agile-Directory': '/m' } }),
  },
  {
    name: 'a failed /account/login',
    labels: labels('/account/login', 400, -10001),
    send: () => fetch(`${server.url}/account/login`, { method: 'POST', headers: { 'X-Agile-Username': 'alice', 'X-Agile-Password': 'x' } }),
  },
  {
    name: 'a JSON-RPC ping',
    labels: labels('jsonrpc:ping', 200, ''),
    send: () => fetch(`${server.url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: [] }) }),
  },
  { name: 'an egress miss', labels: labels('egress', 404, ''), send: () => fetch(`${server.url}/acme/not-a-file-${Date.now()}.bin`) },
  { name: 'a preflight', labels: labels('preflight', 200, ''), send: () => fetch(`${server.url}/acme/x`, { method: 'OPTIONS' }) },
];
for (const row of rows) {
  test(`metrics: ${row.name} is counted under {${row.labels}}`, async () => {
    const before = (await requestCounts()).get(row.labels) ?? 0;
    for (let i = 0; i < 3; i++) await (await row.send()).arrayBuffer();
    const after = (await requestCounts()).get(row.labels) ?? 0;
    assert.equal(after - before, 3);
  });
}

test('metrics: an egress hit is counted under the egress endpoint with its status', async () => {
  await (await server.postRaw('served', { 'X-Agile-Authorization': token, 'X-Agile-Basename': 'served.txt' })).arrayBuffer();
  const before = (await requestCounts()).get(labels('egress', 200, '')) ?? 0;
  await (await fetch(`${server.url}/acme/served.txt`)).arrayBuffer();
  await (await fetch(`${server.url}/acme/served.txt`, { headers: { Range: 'bytes=0-1' } })).arrayBuffer();
  const counts = await requestCounts();
  assert.equal((counts.get(labels('egress', 200, '')) ?? 0) - before, 1);
  assert.ok((counts.get(labels('egress', 206, '')) ?? 0) >= 1);
});

test('metrics: labels never carry the raw URL, so paths cannot grow the series', async () => {
  const unique = `never-a-label-${process.pid}`;
  await (await fetch(`${server.url}/acme/${unique}.txt`)).arrayBuffer();
  await (await fetch(`${server.url}/${unique}/post`, { method: 'POST' })).arrayBuffer();
  const text = await (await fetch(`${server.url}/metrics`)).text();
  assert.ok(!text.includes(unique));
});

/** The value of one sample, `name{labels}`, as /metrics prints it (0 when absent). */
async function sample(name: string, labelText: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labelText}} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/**
 * One request on a connection of its own, sent with `Connection: close`: it
 * resolves when the server ends that connection, which it does only after
 * the request was counted, so the next scrape sees it. (The client's own
 * 'close' is no such sign: a client closes as soon as it has the answer.)
 */
function onOwnConnection(method: string, path: string, headers: Record<string, string>, chunks: Buffer[] = []): Promise<{ headers: Record<string, string>; bodyBytes: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const raw = Buffer.concat(received);
      const headEnd = raw.indexOf('\r\n\r\n');
      const lines = raw.subarray(0, headEnd).toString('latin1').split('\r\n').slice(1);
      const answer = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      socket.destroy();
      resolve({ headers: answer, bodyBytes: raw.length - headEnd - 4 });
    });
    const chunked = headers['Transfer-Encoding'] === 'chunked';
    const head = Object.entries({ Host: 'x', ...headers, Connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`${method} ${path} HTTP/1.1\r\n${head}\r\n`);
    for (const chunk of chunks) socket.write(chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk);
    if (chunked) socket.write('0\r\n\r\n');
  });
}

/** Headers and framing around a body are small; a body counted twice or not at all is not. */
const FRAMING_SLACK_BYTES = 4096;

test('metrics: bytes in count the body of an upload sent with Content-Length', async () => {
  const body = Buffer.alloc(300_000, 7);
  const before = await sample('originstore_bytes_in_total', 'endpoint="/post/raw"');
  const res = await onOwnConnection('POST', '/post/raw', { 'X-Agile-Authorization': token, 'X-Agile-Basename': 'counted.bin', 'Content-Length': String(body.length) }, [body]);
  assert.equal(res.headers['x-agile-status'], '0');
  const grew = (await sample('originstore_bytes_in_total', 'endpoint="/post/raw"')) - before;
  assert.ok(grew >= body.length && grew < body.length + FRAMING_SLACK_BYTES, `bytes in grew by ${grew}`);
});

test('metrics: bytes in count a chunked upload, which has no Content-Length', async () => {
  const chunks = [Buffer.alloc(100_000, 1), Buffer.alloc(100_000, 2), Buffer.alloc(100_000, 3)];
  const before = await sample('originstore_bytes_in_total', 'endpoint="/post/raw"');
  const res = await onOwnConnection('POST', '/post/raw', { 'X-Agile-Authorization': token, 'X-Agile-Basename': 'chunked-counted.bin', 'Transfer-Encoding': 'chunked' }, chunks);
  assert.equal(res.headers['x-agile-status'], '0');
  assert.equal(res.headers['x-agile-size'], '300000');
  const grew = (await sample('originstore_bytes_in_total', 'endpoint="/post/raw"')) - before;
  assert.ok(grew >= 300_000 && grew < 300_000 + FRAMING_SLACK_BYTES, `bytes in grew by ${grew}`);
});

test('metrics: bytes out count the body of a download', async () => {
  const body = Buffer.alloc(250_000, 9);
  await (await server.postRaw(body, { 'X-Agile-Authorization': token, 'X-Agile-Basename': 'download-counted.bin' })).arrayBuffer();
  const before = await sample('originstore_bytes_out_total', 'endpoint="egress"');
  const got = await onOwnConnection('GET', '/acme/download-counted.bin', {});
  assert.equal(got.bodyBytes, body.length);
  const grew = (await sample('originstore_bytes_out_total', 'endpoint="egress"')) - before;
  assert.ok(grew >= body.length && grew < body.length + FRAMING_SLACK_BYTES, `bytes out grew by ${grew}`);
});

test('metrics: latency is observed once per request, by endpoint', async () => {
  const labelText = 'endpoint="jsonrpc:noop"';
  const before = await sample('originstore_request_seconds_count', labelText);
  const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'noop', params: [token] });
  for (let i = 0; i < 3; i++) await onOwnConnection('POST', '/jsonrpc', { 'Content-Type': 'application/json', 'Content-Length': String(call.length) }, [Buffer.from(call)]);
  assert.equal((await sample('originstore_request_seconds_count', labelText)) - before, 3);
  assert.ok((await sample('originstore_request_seconds_bucket', `le="120",${labelText}`)) >= 3);
});
