/**
 * Where the client commands find the server and the credentials: the
 * environment (ORIGINSTORE_URL, ORIGINSTORE_USER, ORIGINSTORE_PASSWORD),
 * else the profile `originstore login` saved. The profile file holds the
 * password, so it is written readable by its owner only (0600, in a 0700
 * directory), and replaced whole so a crash never leaves half a file.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Profile {
  readonly url: string;
  readonly username: string;
  readonly password: string;
}

export class ProfileMissing extends Error {}

/** ORIGINSTORE_CONFIG_DIR, else $XDG_CONFIG_HOME/originstore, else ~/.config/originstore. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['ORIGINSTORE_CONFIG_DIR']) return env['ORIGINSTORE_CONFIG_DIR'];
  return join(env['XDG_CONFIG_HOME'] || join(homedir(), '.config'), 'originstore');
}

export function profilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'profiles.json');
}

type ProfileFile = { profiles: Record<string, Profile> };

async function readProfiles(env: NodeJS.ProcessEnv): Promise<ProfileFile> {
  try {
    const parsed = JSON.parse(await readFile(profilePath(env), 'utf8')) as Partial<ProfileFile>;
    return { profiles: parsed.profiles ?? {} };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw err;
  }
}

/** The environment alone, when it names all three. */
export function profileFromEnv(env: NodeJS.ProcessEnv = process.env): Profile | undefined {
  const url = env['ORIGINSTORE_URL'];
  const username = env['ORIGINSTORE_USER'];
  const password = env['ORIGINSTORE_PASSWORD'];
  return url && username && password !== undefined ? { url, username, password } : undefined;
}

/** The environment's values over the saved profile's. */
export async function loadProfile(name: string, env: NodeJS.ProcessEnv = process.env): Promise<Profile> {
  const fromEnv = profileFromEnv(env);
  if (fromEnv) return fromEnv;
  const saved = (await readProfiles(env)).profiles[name];
  const url = env['ORIGINSTORE_URL'] || saved?.url;
  const username = env['ORIGINSTORE_USER'] || saved?.username;
  const password = env['ORIGINSTORE_PASSWORD'] ?? saved?.password;
  if (!url || !username || password === undefined) {
    throw new ProfileMissing(`no server to talk to: run 'originstore login URL'${name === 'default' ? '' : ` --profile ${name}`}, or set ORIGINSTORE_URL, ORIGINSTORE_USER and ORIGINSTORE_PASSWORD`);
  }
  return { url, username, password };
}

export async function saveProfile(name: string, profile: Profile, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = configDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const all = await readProfiles(env);
  all.profiles[name] = profile;
  const path = profilePath(env);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, path);
  return path;
}
