/**
 * The ceiling for egress: bare node:http answering GET and HEAD /<name> from
 * <data-dir>/files/<name> with fs.createReadStream piped to the response
 * (Node's default read size), Content-Length from stat, and one byte range
 * (`Range: bytes=a-b`) answered 206. Nothing else: no metadata, no ETag, no
 * access checks.
 *
 * Usage: node --import tsx bench/ceiling-download.ts <data-dir>
 * Prints one line {"port": n} once listening on 127.0.0.1.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: ceiling-download.ts <data-dir>');
const filesDir = join(dataDir, 'files');

const server = createServer((req, res) => {
  const name = /^\/([A-Za-z0-9._-]+)$/.exec(req.url ?? '')?.[1];
  if ((req.method !== 'GET' && req.method !== 'HEAD') || name === undefined) {
    res.writeHead(400).end();
    return;
  }
  const path = join(filesDir, name);
  stat(path).then(
    (st) => {
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      const end = range ? Math.min(Number(range[2]), st.size - 1) : st.size - 1;
      const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', 'Content-Length': String(end - start + 1) };
      if (range) headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
      res.writeHead(range ? 206 : 200, headers);
      if (req.method === 'HEAD') res.end();
      else createReadStream(path, { start, end }).pipe(res);
    },
    () => res.writeHead(404).end(),
  );
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  console.log(JSON.stringify({ port: address.port }));
});
