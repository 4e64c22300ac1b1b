/** The client commands of `originstore`, registered on the program by main.ts. */
import type { Command } from 'commander';
import { registerLogin } from './login.js';
import { registerMultipartCommands } from './multipart-commands.js';
import { registerNamespaceCommands } from './namespace-commands.js';
import { registerSyncCommand } from './sync-command.js';
import { registerTransferCommands } from './transfer-commands.js';

export function registerClientCommands(program: Command): void {
  registerLogin(program);
  registerNamespaceCommands(program);
  registerTransferCommands(program);
  registerSyncCommand(program);
  registerMultipartCommands(program);
}
