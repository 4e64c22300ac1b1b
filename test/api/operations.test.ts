/**
 * The operator's endpoints (DESIGN.md, "Structured JSON logs ...; Prometheus
 * metrics at /metrics; /healthz"): health answers 200 while the stores
 * answer, and /metrics counts requests by endpoint (a bounded label, never
 * the raw URL), HTTP status and X-Agile-Status.
 */
import assert from 'node:assert/strict';
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
