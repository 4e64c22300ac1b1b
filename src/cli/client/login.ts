/** `originstore login URL`: checks the credentials against the server and saves them as a profile. */
import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { createNodeClient } from '../../client/node.js';
import { clientCommand, run } from './context.js';
import { UsageError } from './output.js';
import { profileFromEnv, saveProfile } from './profile.js';

export function registerLogin(program: Command): void {
  clientCommand(program, 'login <url>', 'log in to a server and save the profile (URL, user, password in a file only you can read)')
    .option('-u, --user <name>', 'user name [ORIGINSTORE_USER] (asked for when not given)')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .addHelpText('after', '\nWith ORIGINSTORE_URL, ORIGINSTORE_USER and ORIGINSTORE_PASSWORD set, every command uses them and login stores nothing.\n')
    .action(run(async (ctx, url: string, opts: { user?: string; passwordStdin?: boolean }) => {
      if (!/^https?:\/\/[^/]/i.test(url)) throw new UsageError(`'${url}' is not an http:// or https:// URL`);
      const env = profileFromEnv();
      const username = opts.user ?? process.env['ORIGINSTORE_USER'] ?? (await ask('user: ', false));
      const password = opts.passwordStdin ? await firstLine() : (process.env['ORIGINSTORE_PASSWORD'] ?? (await ask('password: ', true)));
      if (!username) throw new UsageError('a user name is needed: --user NAME');
      const client = createNodeClient({ url, username, password });
      const session = await client.login();
      const stored = env ? undefined : await saveProfile(ctx.options.profile ?? 'default', { url: client.url, username, password });
      ctx.out.result({ url: client.url, username, root: session.root, profile: stored ?? null }, () =>
        `logged in to ${client.url} as ${username} (root ${session.root})\n${stored ? `profile saved in ${stored}` : 'the environment provides the credentials: nothing stored'}`);
    }));
}

async function firstLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/** Asks on the terminal; a password is read in raw mode so it is not echoed. */
function ask(question: string, secret: boolean): Promise<string> {
  if (!process.stdin.isTTY) throw new UsageError(`no terminal to ask for the ${secret ? 'password' : 'user name'}: use ${secret ? '--password-stdin or ORIGINSTORE_PASSWORD' : '--user'}`);
  if (!secret) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    return new Promise((resolve) => rl.question(question, (answer) => {
      rl.close();
      resolve(answer);
    }));
  }
  process.stderr.write(question);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  let value = '';
  return new Promise((resolve, reject) => {
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (typed: string) => {
      for (const ch of typed) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new UsageError('cancelled'));
          return;
        }
        value = ch === '\u007f' || ch === '\b' ? value.slice(0, -1) : value + ch;
      }
    };
    stdin.on('data', onData);
  });
}
