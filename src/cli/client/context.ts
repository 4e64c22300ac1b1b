/**
 * What every client command shares: --json and --profile, a client built
 * from the profile, and one place that turns a failure into its message
 * and exit code.
 */
import { Command } from 'commander';
import type { OriginStoreClient } from '../../client/index.js';
import { createNodeClient } from '../../client/node.js';
import { exitOnCommanderError, output, report, type Output } from './output.js';
import { loadProfile } from './profile.js';

export interface CommonOptions {
  readonly json?: boolean;
  readonly profile?: string;
  readonly quiet?: boolean;
}

export interface Context {
  readonly out: Output;
  readonly options: CommonOptions;
  client(): Promise<OriginStoreClient>;
}

/** A client command with --json, --profile and --help, whose action gets a Context. */
export function clientCommand(parent: Command, nameAndArgs: string, description: string): Command {
  return parent.command(nameAndArgs)
    .description(description)
    .option('--json', 'print one JSON document on stdout (errors too)')
    .option('--profile <name>', 'the saved profile to use', 'default')
    .exitOverride(exitOnCommanderError);
}

/**
 * The action wrapper: commander passes the positional arguments, then the
 * options, then the command. Exit codes are set here, once.
 */
export function run(action: (ctx: Context, ...args: any[]) => Promise<void>): (...args: any[]) => Promise<void> {
  return async (...args: any[]) => {
    const command = args[args.length - 1] as Command;
    const options = command.opts() as CommonOptions;
    const out = output(options.json ?? false);
    let client: OriginStoreClient | undefined;
    const ctx: Context = {
      out,
      options,
      async client() {
        if (!client) {
          const profile = await loadProfile(options.profile ?? 'default');
          client = createNodeClient({ url: profile.url, username: profile.username, password: profile.password });
        }
        return client;
      },
    };
    try {
      await action(ctx, ...args.slice(0, -1));
    } catch (err) {
      process.exitCode = report(err, out.json);
    }
  };
}
