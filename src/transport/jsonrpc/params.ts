/**
 * Binds JSON-RPC params, named or positional, to a method's documented
 * parameter list, filling documented defaults. Real clients send positional
 * values as strings ("10000", "true"); where the meaning is unambiguous they
 * are accepted (docs/compatibility.md).
 */

export type ParamType = 'string' | 'int' | 'bool' | 'any' | 'stringOrNull';

export interface ParamDef {
  readonly name: string;
  readonly type: ParamType;
  /** Present when the parameter is optional. */
  readonly default?: unknown;
  /** Other names real clients send for it (the vendor's Java client's `lastpiece`, say). */
  readonly aliases?: readonly string[];
}

export class ParamError extends Error {
  constructor(
    message: string,
    readonly missing = false,
  ) {
    super(message);
  }
}

export type Args = Record<string, unknown>;

export function bindParams(defs: readonly ParamDef[], params: unknown): Args {
  if (Array.isArray(params)) return bindPositional(defs, params);
  if (params !== null && typeof params === 'object') return bindNamed(defs, params as Record<string, unknown>);
  throw new ParamError('params must be an array or an object');
}

function bindPositional(defs: readonly ParamDef[], values: unknown[]): Args {
  if (values.length > defs.length) {
    throw new ParamError(`too many parameters: expected at most ${defs.length} (${defs.map((d) => d.name).join(', ')}), got ${values.length}`);
  }
  const args: Args = {};
  defs.forEach((def, i) => {
    args[def.name] = i < values.length ? coerce(def, values[i]) : defaultOf(def);
  });
  return args;
}

function bindNamed(defs: readonly ParamDef[], values: Record<string, unknown>): Args {
  const known = new Map<string, ParamDef>();
  for (const def of defs) {
    known.set(def.name, def);
    for (const alias of def.aliases ?? []) known.set(alias, def);
  }
  for (const key of Object.keys(values)) {
    if (!known.has(key)) throw new ParamError(`unknown parameter '${key}'; expected ${defs.map((d) => d.name).join(', ') || 'none'}`);
  }
  const args: Args = {};
  for (const def of defs) {
    const key = [def.name, ...(def.aliases ?? [])].find((k) => Object.hasOwn(values, k));
    args[def.name] = key === undefined ? defaultOf(def) : coerce(def, values[key]);
  }
  return args;
}

function defaultOf(def: ParamDef): unknown {
  if (!('default' in def)) throw new ParamError(`missing parameter '${def.name}'`, true);
  return def.default;
}

function coerce(def: ParamDef, value: unknown): unknown {
  // An omitted optional value sent as null means its default ('any' takes null as a value).
  if (value === null && def.type !== 'any' && 'default' in def) return def.default;
  switch (def.type) {
    case 'any':
      return value;
    case 'string':
      if (typeof value === 'string') return value;
      break;
    case 'stringOrNull':
      if (typeof value === 'string' || value === null) return value;
      break;
    case 'int':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
      // The spec's own listing loops send `False` as the first cookie (working_with_directories_json.md,
      // working_with_files_json.md): false where the default is 0 means "none", as 0 does.
      if (value === false && def.default === 0) return 0;
      break;
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 0 || value === 1) return value === 1;
      if (typeof value === 'string') {
        const v = value.trim().toLowerCase();
        if (v === 'true' || v === '1') return true;
        if (v === 'false' || v === '0' || v === '') return false;
      }
      break;
  }
  throw new ParamError(`parameter '${def.name}' must be ${describeType(def.type)}, got ${describeValue(value)}`);
}

function describeType(t: ParamType): string {
  return { string: 'a string', int: 'an integer', bool: 'a boolean', any: 'any value', stringOrNull: 'a string or null' }[t];
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}
