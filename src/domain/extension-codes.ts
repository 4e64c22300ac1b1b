/**
 * Result codes of the methods originstore adds to the API (docs/extensions.md).
 * They reuse the meanings the spec gives its own codes: -1 not found, -2
 * already exists, -6 permission denied, -8 invalid path, -40/-41 empty
 * username/password, -10001 invalid token.
 */
import type { MethodCodes } from './result-codes.js';

const TOKEN = { InvalidToken: -10001 } as const;
const ADMIN = { ...TOKEN, PermissionDenied: -6 } as const;
const ON_USER = { ...ADMIN, NotFound: -1, EmptyUsername: -40 } as const;

export const EXTENSION_METHOD_CODES: Readonly<Record<string, MethodCodes>> = {
  getSessionInfo: { codes: { ...TOKEN } },
  adminListUsers: { codes: { ...ADMIN } },
  adminAddUser: { codes: { ...ADMIN, AlreadyExists: -2, InvalidPath: -8, EmptyPath: -8, EmptyUsername: -40, EmptyPassword: -41 } },
  adminSetPassword: { codes: { ...ON_USER, EmptyPassword: -41 } },
  adminSetDisabled: { codes: { ...ON_USER } },
  adminSetHome: { codes: { ...ON_USER, AlreadyExists: -2, InvalidPath: -8, EmptyPath: -8 } },
  adminSetAdmin: { codes: { ...ON_USER } },
  adminInitKeyPair: { codes: { ...ON_USER } },
  adminDeleteKeyPair: { codes: { ...ON_USER } },
};
