// An S3-compatible server for the tests (s3rver), as its own process so a
// test can kill it like a real outage and start it again on the same port
// and directory. Prints "listening <port>" once it accepts connections.
'use strict';
const S3rver = require('@20minutes/s3rver');

const [directory, port = '0'] = process.argv.slice(2);
// s3rver computes a different v4 signature than the current SDK for bucket-level requests (CreateBucket,
// ListObjectsV2); signatures are the SDK's concern, not what these tests check.
const server = new S3rver({ address: '127.0.0.1', port: Number(port), directory, silent: true, allowMismatchedSignatures: true });
server.run().then(
  (address) => process.stdout.write(`listening ${address.port}\n`),
  (err) => {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);
