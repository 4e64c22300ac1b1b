/** `--blobs s3://…`: what the URL means, and what start-up refuses. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseS3Location, redactS3Url } from '../../src/adapters/s3/s3-location.js';
import { loadConfig, ConfigError, describeConfig } from '../../src/server/config.js';

test('s3 URL: bucket, prefix, endpoint, region and path style from the URL; credentials from the userinfo', () => {
  const loc = parseS3Location('s3://AK%2B1:se%2Fcret@media-bucket/site/a?endpoint=http://127.0.0.1:9000&region=eu-west-1&forcePathStyle=true&partSize=16MiB&partConcurrency=8&temporaryMinAge=15m', {});
  assert.deepEqual(loc, {
    bucket: 'media-bucket',
    prefix: 'site/a/',
    endpoint: 'http://127.0.0.1:9000',
    region: 'eu-west-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'AK+1', secretAccessKey: 'se/cret' },
    partSizeBytes: 16 * 1024 * 1024,
    partConcurrency: 8,
    temporaryMinAgeMs: 15 * 60_000,
  });
});

test('s3 URL: without userinfo the standard AWS chain supplies credentials; the region falls back to AWS_REGION', () => {
  const loc = parseS3Location('s3://bucket', { AWS_REGION: 'ap-south-1' });
  assert.equal(loc.credentials, undefined);
  assert.equal(loc.region, 'ap-south-1');
  assert.equal(loc.prefix, '');
  assert.equal(loc.forcePathStyle, false);
  assert.equal(loc.temporaryMinAgeMs, 3600_000);
});

for (const [raw, why] of [
  ['s3://Bad_Bucket', /bucket name/],
  ['s3://bucket?endpoint=ftp://x', /endpoint/],
  ['s3://bucket?partSize=1MiB', /partSize/],
  ['s3://bucket?colour=blue', /unknown parameter 'colour'/],
  ['s3://key@bucket', /both key and secret/],
  ['http://bucket', /scheme/],
] as const) {
  test(`s3 URL: ${raw} is refused (${why.source})`, () => {
    assert.throws(() => parseS3Location(raw, {}), why);
  });
}

test('--blobs: refused at start-up naming the flag, with the secret never in the message', () => {
  assert.throws(() => loadConfig({ blobs: 's3://key:topsecret@bucket?colour=blue' }, {}), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /^--blobs: /);
    assert.doesNotMatch(err.message, /topsecret/);
    return true;
  });
  assert.throws(() => loadConfig({}, { ORIGINSTORE_BLOBS: '/var/blobs' }), /ORIGINSTORE_BLOBS: expected s3:/);
});

test('--blobs: the start-up log shows the URL without its credentials; no flag means files under the data directory', () => {
  const config = loadConfig({ blobs: 's3://key:topsecret@bucket?endpoint=http://127.0.0.1:9000' }, {});
  assert.equal(describeConfig(config)['blobs'], 's3://[redacted]@bucket?endpoint=http://127.0.0.1:9000');
  assert.equal(redactS3Url('s3://bucket?region=x'), 's3://bucket?region=x');
  assert.equal(loadConfig({}, {}).blobs, undefined);
});
