// Generic string helpers (no dependency on anything of the exporter).

/**
 * Order by UTF-16 code units, like `<` on strings: the same on every machine and locale
 * (`localeCompare` is not), so sorted output is byte-for-byte reproducible.
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
