// Plain-text tables and markdown for the one-shot commands' output.

/** Left-aligned columns separated by two spaces; `right` marks right-aligned columns. */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: ReadonlySet<number> = new Set(),
): string {
  const width = header.map((h, i) => Math.max(len(h), ...rows.map((r) => len(r[i] ?? ""))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) =>
        right.has(i) ? c.padStart(width[i]! + c.length - len(c)) : c.padEnd(width[i]! + c.length - len(c)),
      )
      .join("  ")
      .trimEnd();
  return [line(header), line(width.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: ReadonlySet<number> = new Set(),
): string {
  const row = (cells: readonly string[]) => `| ${cells.map(escapeMarkdown).join(" | ")} |`;
  const sep = `|${header.map((_, i) => (right.has(i) ? "---:" : "---")).join("|")}|`;
  return [row(header), sep, ...rows.map(row)].join("\n");
}

/** Escape what would break a table cell or be read as markup. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\|`*_[\]<>]/g, (c) => "\\" + c).replace(/\n/g, " ");
}

// Display width: code points (the output is ASCII plus a few symbols like "—" and "·").
function len(s: string): number {
  return [...s].length;
}
