/** Every JSON-RPC method by its wire name. */
import { METHOD_ALIASES } from '../../../domain/result-codes.js';
import type { MethodDef } from '../method.js';
import { adminMethods } from './admin.js';
import { fetchMethods } from './fetch.js';
import { mediaVaultMethods } from './mediavault.js';
import { multipartMethods } from './multipart.js';
import { namespaceMethods } from './namespace.js';
import { sessionMethods } from './sessions.js';

export const METHODS: Readonly<Record<string, MethodDef>> = { ...sessionMethods, ...namespaceMethods, ...multipartMethods, ...mediaVaultMethods, ...fetchMethods, ...adminMethods };

export function findMethod(name: string): { name: string; def: MethodDef } | undefined {
  const canonical = METHOD_ALIASES[name] ?? name;
  if (!Object.hasOwn(METHODS, canonical)) return undefined;
  return { name: canonical, def: METHODS[canonical]! };
}
