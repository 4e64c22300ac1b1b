/** What a JSON-RPC method is: its documented parameters, its failure shape and what it does. */
import type { Services } from '../../service/index.js';
import type { Caller } from '../../domain/model.js';
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

/** A method that resolves the token, does one thing, and answers a bare 0 (or its bare failure code). */
export function action(params: readonly ParamDef[], act: (s: Services, caller: Caller, a: Args) => Promise<void>): MethodDef {
  return {
    params,
    takesToken: true,
    failure: bareCode,
    async run(s, a) {
      await act(s, await s.sessions.resolve(str(a, 'token')), a);
      return 0;
    },
  };
}
