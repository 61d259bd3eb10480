/**
 * A small, strict argument parser for the CLI: known flags only, typed values, and one clear error line
 * (exit code 2) for anything else.
 */
export class UsageError extends Error {}

export interface FlagSpec {
  /** 'boolean' flags take no value. */
  type: 'boolean' | 'string' | 'integer';
  /** For integers: inclusive bounds. */
  min?: number;
  max?: number;
}

export interface Parsed {
  positionals: string[];
  flags: Record<string, string | number | boolean>;
}

export function parseArgs(argv: string[], spec: Record<string, FlagSpec>, maxPositionals = Infinity): Parsed {
  const positionals: string[] = [];
  const flags: Parsed['flags'] = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const s = spec[name];
    if (!s) throw new UsageError(`unknown option --${name} (known: ${Object.keys(spec).map((k) => '--' + k).join(', ') || 'none'})`);
    if (s.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
      continue;
    }
    // `--host --port 1` must not take "--port" as the host.
    const next = eq < 0 ? argv[i + 1] : undefined;
    if (eq < 0 && next !== undefined && !next.startsWith('--')) i++;
    const value = eq >= 0 ? arg.slice(eq + 1) : next !== undefined && !next.startsWith('--') ? next : undefined;
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
    if (s.type === 'integer') {
      // Decimal digits only: Number() would also take "1e2", "0x10", " 3" and "1.0".
      if (!/^[0-9]{1,15}$/.test(value)) throw new UsageError(`--${name} must be a decimal integer, got "${value}"`);
      const n = Number(value);
      if (s.min !== undefined && n < s.min) throw new UsageError(`--${name} must be at least ${s.min}, got ${n}`);
      if (s.max !== undefined && n > s.max) throw new UsageError(`--${name} must be at most ${s.max}, got ${n}`);
      flags[name] = n;
    } else flags[name] = value;
  }
  if (positionals.length > maxPositionals) throw new UsageError(`unexpected argument "${positionals[maxPositionals]}"`);
  return { positionals, flags };
}
