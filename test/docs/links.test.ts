// The docs travel with the repository: every link and every relative path they name resolves to a
// file inside it (a clone, a release tarball), never to a path next to the checkout.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const DOCS = [
  "README.md",
  "BENCHMARKS.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

const inside = (p: string) => {
  const rel = relative(ROOT, p);
  return rel !== "" && !rel.startsWith("..");
};

describe("docs name only paths inside the repository", () => {
  for (const doc of DOCS) {
    const md = readFileSync(join(ROOT, doc), "utf8");
    test(`${doc}: every relative link resolves to a file in the repository`, () => {
      const targets = [...md.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)]
        .map((m) => m[1]!)
        .filter((t) => !/^[a-z]+:/i.test(t));
      for (const t of targets) {
        const p = resolve(ROOT, dirname(doc), t);
        expect({ doc, link: t, inside: inside(p), exists: existsSync(p) }).toEqual({
          doc,
          link: t,
          inside: true,
          exists: true,
        });
      }
    });
    test(`${doc}: a relative path in backticks that climbs (../) names a file in the repository`, () => {
      const climbing = [...md.matchAll(/`([^`\s]*\.\.\/[^`\s]*)`/g)].map((m) => m[1]!);
      for (const t of climbing) {
        const p = resolve(ROOT, dirname(doc), t);
        expect({ doc, path: t, inside: inside(p), exists: existsSync(p) }).toEqual({
          doc,
          path: t,
          inside: true,
          exists: true,
        });
      }
    });
  }
});
