/**
 * `originstore serve`: open the stores, sweep what an earlier crash left,
 * set up a first run, listen, and on SIGTERM/SIGINT stop accepting and let
 * requests in flight (uploads included) finish before closing the stores.
 */
import { randomBytes } from 'node:crypto';
import { isOriginError } from '../domain/errors.js';
import { buildApp, type App } from './app.js';
import { describeConfig, type Config } from './config.js';
import { isShared } from './open-stores.js';

export async function serve(config: Config): Promise<App> {
  const app = await buildApp(config);
  const log = app.fastify.log;
  log.info({ config: describeConfig(config) }, 'starting originstore');
  // With stores shared by several servers, another one may be writing temporaries right now.
  const swept = await app.services.sweep(isShared(config) ? { temporariesOlderThanMs: 24 * 3600 * 1000 } : {});
  log.info({ swept }, 'start-up sweep done');
  const resumed = await app.services.recover();
  if (resumed > 0) log.info({ joins: resumed }, 'resuming multipart joins interrupted by a stop');
  // After the sweep, which reaches both stores: a store that cannot be reached (an S3 key missing, say)
  // stops the server before it creates and prints first-run credentials it would then never use.
  await firstRun(app, config);
  const timer = setInterval(() => {
    app.services
      .sweep({ temporariesOlderThanMs: 24 * 3600 * 1000 })
      .then((report) => log.info({ swept: report }, 'periodic sweep done'))
      .catch((err: unknown) => log.error({ err }, 'periodic sweep failed'));
  }, config.sweepIntervalSeconds * 1000);
  timer.unref();
  // Before listening: a SIGTERM that follows the 'listening' line at once must find its handler.
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down: finishing requests in flight');
    clearInterval(timer);
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  await app.fastify.listen({ host: config.host, port: config.port });
  return app;
}

/** With no account at all, create one account and one user and print the credentials once. */
async function firstRun(app: App, config: Config): Promise<void> {
  if ((await app.services.admin.listAccounts()).length > 0) return;
  const password = config.initPassword ?? randomBytes(12).toString('base64url');
  try {
    await app.services.admin.addAccount(config.initAccount);
  } catch (err) {
    // Another server sharing the metadata store started at the same moment and did the first run.
    if (isOriginError(err) && err.kind === 'AlreadyExists') return;
    throw err;
  }
  // The first user administers its account (docs/extensions.md).
  await app.services.admin.addUser(config.initAccount, config.initUser, password, { admin: true });
  const shown = config.initPassword === undefined ? password : '(as given)';
  process.stdout.write(
    `\noriginstore: first run${isShared(config) ? '' : ` in ${config.dataDir}`}\n` +
      `  account:  ${config.initAccount}\n  user:     ${config.initUser}\n  password: ${shown}\n` +
      `  (shown once; change it with: originstore user passwd ${config.initUser})\n\n`,
  );
}
