// Words for generated commits: plausible authors, conventional-commit messages and file paths, so
// demo pages and test fixtures read like a real team's history rather than "commit 17".

import type { Rng } from "./prng.ts";

export const AUTHORS = ["jdoe", "asmith", "mlee", "kpatel", "rgarcia", "tnguyen"] as const;

/** Who approves gated pipelines (repos with `require_approval`). */
export const REVIEWER = "asmith";

const PHRASES = [
  "return 409 on duplicate idempotency key",
  "add retry with backoff on upstream timeouts",
  "tighten input validation",
  "cache lookups for hot paths",
  "log request ids on errors",
  "add composite index for lookups",
  "simplify error mapping",
  "remove dead code",
  "handle empty responses",
  "round totals half-even",
  "paginate list endpoint",
  "bump dependencies",
  "split handler into smaller functions",
  "guard against nil config",
] as const;

const KINDS = ["feat", "fix", "fix", "refactor", "perf"] as const;

export interface Change {
  kind: string;
  area: string;
  /** Conventional-commit subject, e.g. "fix(orders): handle empty responses". */
  subject: string;
  /** Branch slug for feature work, e.g. "fix/orders-handle-empty". */
  branch: string;
  files: string[];
}

export function change(rng: Rng, areas: readonly string[], kind?: string): Change {
  const k = kind ?? rng.pick(KINDS);
  const area = rng.pick(areas);
  const phrase = rng.pick(PHRASES);
  const slug = phrase.split(" ").slice(0, 3).join("-");
  const n = rng.int(1, 3);
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = `src/${area}/${rng.pick(["handler", "service", "repo", "model", "routes"])}.ts`;
    if (!files.includes(f)) files.push(f);
  }
  if (k === "perf" && rng.chance(0.5))
    files.unshift(`migrations/${String(rng.int(10, 99)).padStart(4, "0")}_${area}_idx.sql`);
  return {
    kind: k,
    area,
    subject: `${k}(${area}): ${phrase}`,
    branch: `${k === "fix" ? "fix" : "feat"}/${area}-${slug}`,
    files,
  };
}

export function chore(rng: Rng): Change {
  const what = rng.pick([
    { subject: "docs: update README", files: ["README.md"] },
    { subject: "chore: bump base image", files: ["Dockerfile"] },
    { subject: "ci: cache dependencies", files: [".woodpecker/test.yaml"] },
    { subject: "chore(deps): update lockfile", files: ["package.json", "bun.lock"] },
  ]);
  return { kind: "chore", area: "repo", branch: "chore/maintenance", ...what, files: [...what.files] };
}
