/** What a JSON-RPC method is: its documented parameters, its failure shape and what it does. */
import type { Services } from '../../service/index.js';
import type { Args, ParamDef } from './params.js';

export interface MethodDef {
  readonly params: readonly ParamDef[];
  /** Whether the first parameter is the token (so X-Agile-Authorization can supply it). */
  readonly takesToken: boolean;
  /** The result the method returns when it fails with `code` (its documented failure shape). */
  readonly failure: (code: number, args: Args) => unknown;
  readonly run: (services: Services, args: Args) => Promise<unknown>;
  /** login: an omitted username or password is -32603, not -32602 (logging_in_using_the_json_rpc_interface.md). */
  readonly missingParamCode?: number;
}

/** Methods documented to "return a single numeric code and no object" (general_information.md). */
export const bareCode = (code: number): number => code;
export const codeObject = (code: number): { code: number } => ({ code });

export const TOKEN: ParamDef = { name: 'token', type: 'string' };
export const PATH: ParamDef = { name: 'path', type: 'string' };

export const str = (args: Args, name: string): string => args[name] as string;
export const num = (args: Args, name: string): number => args[name] as number;
export const bool = (args: Args, name: string): boolean => args[name] as boolean;
