#!/usr/bin/env node
/** The `originstore` command: serve, the account and user admin commands, and the client commands (cli/client/). */
import { Command, Option } from 'commander';
import { randomBytes } from 'node:crypto';
import { isOriginError } from '../domain/errors.js';
import { ConfigError, loadConfig, SETTINGS, type Config, type Setting } from '../server/config.js';
import { serve } from '../server/main.js';
import { openServicesFor } from '../server/open-stores.js';
import { registerFsck } from './fsck.js';
import type { Services } from '../service/index.js';
import { registerClientCommands } from './client/register.js';

const program = new Command('originstore')
  .description('A self-hostable server for the Origin Storage API (JSON-RPC and X-Agile-* HTTP uploads)')
  .showHelpAfterError();

const serveCmd = program.command('serve').description('run the server (data in ./originstore-data, on 127.0.0.1:8080 by default)');
for (const s of SETTINGS) serveCmd.addOption(new Option(s.flag, `${s.help} [${s.env}]`));
serveCmd.action(async (opts: Record<string, string>) => {
  await serve(configFrom(opts));
});

/**
 * Commander stores a flag under its camel-cased name (--session-ttl →
 * sessionTtl), which is not always the Config key (sessionTtlSeconds).
 */
const attributeOf = (s: Setting): string => new Option(s.flag).attributeName();

function configFrom(opts: Record<string, string | undefined>): Config {
  const flags: Partial<Record<keyof Config, string>> = {};
  for (const s of SETTINGS) {
    const v = opts[attributeOf(s)];
    if (v !== undefined) flags[s.key] = v;
  }
  return loadConfig(flags);
}

/** Run an admin action on the data directory's stores. */
async function withServices(opts: { dataDir?: string; metadata?: string }, fn: (s: Services) => Promise<void>): Promise<void> {
  const config = configFrom({ dataDir: opts.dataDir, metadata: opts.metadata });
  const { services, close } = await openServicesFor(config);
  try {
    await fn(services);
  } finally {
    await close();
  }
}

const dataDirOption = (): Option => new Option('--data-dir <dir>', 'data directory [ORIGINSTORE_DATA_DIR]');

const account = program.command('account').description('manage accounts (each owns the namespace /{account})');
account.command('add <name>').description('create an account').addOption(dataDirOption())
  .action((name: string, opts) => withServices(opts, async (s) => {
    await s.admin.addAccount(name);
    process.stdout.write(`account ${name} created\n`);
  }));
account.command('ls').description('list accounts').addOption(dataDirOption())
  .action((opts) => withServices(opts, async (s) => {
    for (const a of await s.admin.listAccounts()) process.stdout.write(`${a.name}\t${new Date(a.created * 1000).toISOString()}\n`);
  }));

account.command('secret <account>').description('show the MediaVault secrets (current, then previous)').addOption(dataDirOption())
  .action((name: string, opts) => withServices(opts, async (s) => {
    const r = await s.mediavault.security(name);
    process.stdout.write(`current\t${r.secret}\nprevious\t${r.previousSecret || '-'}\n`);
  }));
account.command('rotate-secret <account>').description('new MediaVault secret; the old one stays accepted until the next rotation')
  .addOption(dataDirOption())
  .option('--secret <secret>', 'use this secret (letters and digits) instead of a random one, e.g. the one a CMS already uses')
  .action((name: string, opts) => withServices(opts, async (s) => {
    const r = await s.mediavault.rotateSecret(name, opts.secret);
    process.stdout.write(`current\t${r.secret}\nprevious\t${r.previousSecret}\n`);
  }));
account.command('private <account>').description('serve egress only through MediaVault URLs and signed requests (--public to undo)')
  .addOption(dataDirOption()).option('--public', 'make egress public again')
  .action((name: string, opts) => withServices(opts, async (s) => {
    const r = await s.mediavault.setPrivate(name, !opts.public);
    process.stdout.write(`account ${name} is ${r.private ? 'private' : 'public'}\n`);
  }));

const user = program.command('user').description('manage users');
user.command('add <account> <username>').description('create a user (its password is printed when not given)')
  .addOption(dataDirOption())
  .option('--password <password>', 'password [ORIGINSTORE_PASSWORD]')
  .option('--home <dir>', 'restrict the user to this directory of the account', '/')
  .option('--uid <n>', 'user id (default: next free)')
  .option('--gid <n>', 'group id (default: 100)')
  .option('--admin', 'make the user an account administrator (manages users and key pairs in the console)')
  .action((acct: string, username: string, opts) => withServices(opts, async (s) => {
    const given = opts.password ?? process.env['ORIGINSTORE_PASSWORD'];
    const password = given ?? randomBytes(12).toString('base64url');
    const u = await s.admin.addUser(acct, username, password, {
      home: opts.home, uid: intOption(opts.uid, '--uid'), gid: intOption(opts.gid, '--gid'), admin: opts.admin === true,
    });
    process.stdout.write(`user ${u.username} created in ${u.account} (uid ${u.uid}, gid ${u.gid}, home ${u.home})\n`);
    if (given === undefined) process.stdout.write(`password: ${password}\n`);
  }));
user.command('passwd <username>').description('set a new password (printed when not given)')
  .addOption(dataDirOption()).option('--password <password>', 'the new password [ORIGINSTORE_PASSWORD]')
  .action((username: string, opts) => withServices(opts, async (s) => {
    const given = opts.password ?? process.env['ORIGINSTORE_PASSWORD'];
    const password = given ?? randomBytes(12).toString('base64url');
    await s.admin.setPassword(username, password);
    process.stdout.write(given === undefined ? `password: ${password}\n` : `password of ${username} changed\n`);
  }));
user.command('disable <username>').description('disable a user and end its sessions (--enable to undo)')
  .addOption(dataDirOption()).option('--enable', 'enable the user again')
  .action((username: string, opts) => withServices(opts, async (s) => {
    await s.admin.setDisabled(username, !opts.enable);
    process.stdout.write(`${username} ${opts.enable ? 'enabled' : 'disabled'}\n`);
  }));
user.command('admin <username>').description('make a user an account administrator (--revoke to undo)')
  .addOption(dataDirOption()).option('--revoke', 'take the administrator flag away')
  .action((username: string, opts) => withServices(opts, async (s) => {
    await s.admin.setAdmin(username, !opts.revoke);
    process.stdout.write(`${username} is ${opts.revoke ? 'no longer' : 'now'} an account administrator\n`);
  }));
user.command('rm <username>').description('delete a user (its files stay)').addOption(dataDirOption())
  .action((username: string, opts) => withServices(opts, async (s) => {
    await s.admin.removeUser(username);
    process.stdout.write(`${username} removed\n`);
  }));
user.command('ls').description('list users').addOption(dataDirOption()).option('--account <name>', 'only this account')
  .action((opts) => withServices(opts, async (s) => {
    for (const u of await s.admin.listUsers(opts.account)) {
      process.stdout.write(`${u.username}\t${u.account}\tuid=${u.uid}\tgid=${u.gid}\thome=${u.home}${u.admin ? '\tadmin' : ''}${u.disabled ? '\tdisabled' : ''}\n`);
    }
  }));

registerFsck(program);

function intOption(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name}: '${raw}' is not a whole number`);
  return Number(raw);
}

registerClientCommands(program);
// Every admin command works on the configured metadata store, PostgreSQL included.
for (const cmd of [...account.commands, ...user.commands]) {
  cmd.addOption(new Option('--metadata <url>', 'metadata store URL (default: SQLite in the data directory) [ORIGINSTORE_METADATA]'));
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError || isOriginError(err)) {
    process.stderr.write(`originstore: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`originstore: ${failureMessage(err)}\n`);
  process.exit(1);
});

/** What went wrong, in a line: a stack trace helps no operator (the cause is in the message). */
function failureMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'CredentialsProviderError') {
    return 'no credentials for the S3 store: put them in the --blobs URL (s3://key:secret@bucket…) or in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  }
  return `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`;
}
