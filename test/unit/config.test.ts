/**
 * Every setting of `originstore serve` comes from its flag, else its
 * ORIGINSTORE_* environment variable, else its default; with neither, the
 * server uses ./originstore-data and 127.0.0.1:8080 and tokens live 3600 s.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig, SETTINGS, type Config } from '../../src/server/config.js';

/** For each setting: a value as an operator writes it, and what it means. */
const SAMPLES: Record<keyof Config, { raw: string; value: unknown; other: string }> = {
  dataDir: { raw: '/srv/originstore', value: '/srv/originstore', other: '/elsewhere' },
  host: { raw: '0.0.0.0', value: '0.0.0.0', other: '::1' },
  port: { raw: '9090', value: 9090, other: '9091' },
  tlsCert: { raw: '/etc/originstore/cert.pem', value: '/etc/originstore/cert.pem', other: '/other/cert.pem' },
  tlsKey: { raw: '/etc/originstore/key.pem', value: '/etc/originstore/key.pem', other: '/other/key.pem' },
  sessionTtlSeconds: { raw: '2h', value: 7200, other: '15m' },
  maxUploadBytes: { raw: '5MiB', value: 5 * 1024 ** 2, other: '1GB' },
  sweepIntervalSeconds: { raw: '10m', value: 600, other: '1h' },
  multipartMaxPieces: { raw: '50', value: 50, other: '60' },
  multipartMaxPieceBytes: { raw: '1GB', value: 1000 ** 3, other: '2GB' },
  multipartMaxBytes: { raw: '1TB', value: 1000 ** 4, other: '2TB' },
  multipartMaxOpen: { raw: '12', value: 12, other: '13' },
  multipartExpirySeconds: { raw: '2d', value: 2 * 86400, other: '3d' },
  logLevel: { raw: 'warn', value: 'warn', other: 'debug' },
  initAccount: { raw: 'shop', value: 'shop', other: 'store' },
  initUser: { raw: 'ann', value: 'ann', other: 'ben' },
  initPassword: { raw: 'pw-from-env', value: 'pw-from-env', other: 'pw-from-flag' },
  publicUrl: { raw: 'https://cdn.example.com/', value: 'https://cdn.example.com', other: 'https://other.example.com' },
  uploadRatePerSecond: { raw: '7', value: 7, other: '8' },
  fetchConcurrency: { raw: '4', value: 4, other: '5' },
  fetchQueueSize: { raw: '9', value: 9, other: '10' },
  fetchRemote: { raw: 'true', value: true, other: 'false' },
  fetchAllowPrivate: { raw: 'yes', value: true, other: 'no' },
  consoleDir: { raw: '/srv/console', value: '/srv/console', other: '/other/console' },
  blobs: { raw: 's3://media?endpoint=http://127.0.0.1:9000&forcePathStyle=true', value: 's3://media?endpoint=http://127.0.0.1:9000&forcePathStyle=true', other: 's3://other?endpoint=http://127.0.0.1:9000' },
  metadata: { raw: 'postgres://originstore@db.internal:5432/origin', value: 'postgres://originstore@db.internal:5432/origin', other: 'postgres://other@db.internal/origin' },
};

/** TLS takes its certificate and key together. */
function withPartner(key: keyof Config, values: Partial<Record<keyof Config, string>>): Partial<Record<keyof Config, string>> {
  if (key === 'tlsCert' && values.tlsKey === undefined) return { ...values, tlsKey: SAMPLES.tlsKey.raw };
  if (key === 'tlsKey' && values.tlsCert === undefined) return { ...values, tlsCert: SAMPLES.tlsCert.raw };
  return values;
}

function envOf(values: Partial<Record<keyof Config, string>>): NodeJS.ProcessEnv {
  return Object.fromEntries(SETTINGS.filter((s) => values[s.key] !== undefined).map((s) => [s.env, values[s.key]]));
}

test('config: serve with no flags and no environment keeps its data in ./originstore-data and listens on 127.0.0.1:8080', () => {
  const config = loadConfig({}, {});
  assert.equal(config.dataDir, './originstore-data');
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 8080);
  assert.equal(config.sessionTtlSeconds, 3600, 'tokens expire after 3600 s by default');
  assert.equal(config.tlsCert, undefined, 'plain HTTP unless a certificate is given');
  assert.equal(config.initPassword, undefined, 'the first-run password is generated unless given');
});

test('config: the sample table covers every setting', () => {
  assert.deepEqual(Object.keys(SAMPLES).sort(), SETTINGS.map((s) => s.key).sort());
});

for (const s of SETTINGS) {
  test(`config: ${s.env} sets ${s.flag.split(' ')[0]} when the flag is not given`, () => {
    const sample = SAMPLES[s.key];
    const config = loadConfig({}, envOf(withPartner(s.key, { [s.key]: sample.raw })));
    assert.deepEqual(config[s.key], sample.value);
  });

  test(`config: ${s.flag.split(' ')[0]} wins over ${s.env}`, () => {
    const sample = SAMPLES[s.key];
    const fromEnv = loadConfig({}, envOf(withPartner(s.key, { [s.key]: sample.other })));
    const both = loadConfig(withPartner(s.key, { [s.key]: sample.raw }), envOf(withPartner(s.key, { [s.key]: sample.other })));
    assert.deepEqual(both[s.key], sample.value);
    assert.notDeepEqual(fromEnv[s.key], sample.value, 'the sample values must differ for this test to mean anything');
  });
}

test('config: an empty environment variable counts as not set', () => {
  assert.equal(loadConfig({}, { ORIGINSTORE_PORT: '' }).port, 8080);
});

test('config: a bad environment value stops start-up, naming the variable', () => {
  assert.throws(() => loadConfig({}, { ORIGINSTORE_SESSION_TTL: 'forever' }), (err: unknown) => err instanceof ConfigError && /^ORIGINSTORE_SESSION_TTL: /.test(err.message));
});

test('config: a TLS certificate without its key (or the reverse) stops start-up', () => {
  assert.throws(() => loadConfig({ tlsCert: '/c.pem' }, {}), ConfigError);
  assert.throws(() => loadConfig({}, { ORIGINSTORE_TLS_KEY: '/k.pem' }), ConfigError);
});
