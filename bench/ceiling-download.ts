/**
 * The ceiling for a download: bare node:http answering GET /<name> with
 * fs.createReadStream of <data-dir>/files/<name> piped to the response
 * (Node's default read size), Content-Length from stat. Nothing else.
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
  if (req.method !== 'GET' || name === undefined) {
    res.writeHead(400).end();
    return;
  }
  const path = join(filesDir, name);
  stat(path).then(
    (st) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(st.size) });
      createReadStream(path).pipe(res);
    },
    () => res.writeHead(404).end(),
  );
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  console.log(JSON.stringify({ port: address.port }));
});
