// Flags of the one-shot commands: `--name value` or `--name=value`. A bad flag is a usage error
// (exit 2, one line), like a bad setting.
export class UsageError extends Error {}

export interface ParsedArgs {
  readonly values: Map<string, string[]>;
}

/** Parse `args` against the allowed flag names (each takes a value; repeatable ones collect). */
export function parseFlags(args: readonly string[], allowed: readonly string[]): ParsedArgs {
  const values = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("--")) throw new UsageError(`unexpected argument "${a}"`);
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (!allowed.includes(name)) {
      throw new UsageError(`unknown flag --${name} (known: ${allowed.map((n) => "--" + n).join(", ")})`);
    }
    let value: string | undefined;
    if (eq >= 0) value = a.slice(eq + 1);
    else {
      value = args[i + 1];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`--${name} needs a value`);
      i++;
    }
    const list = values.get(name) ?? [];
    list.push(value);
    values.set(name, list);
  }
  return { values };
}

/** The single value of a flag (the last one wins when repeated), or undefined. */
export function flag(p: ParsedArgs, name: string): string | undefined {
  return p.values.get(name)?.at(-1);
}
