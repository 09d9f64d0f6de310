// The import graph of src/: each folder (or top-level file) imports only units on a lower layer,
// so the pure core stays at the bottom and the shell's parts point one way (issue 10).
// To add a folder or a top-level file: give it a row in LAYERS, with why it sits there.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const SRC = resolve(import.meta.dir, "..", "..", "src");

/** Bottom (0) to top. A unit may import only units on a strictly lower layer. */
const LAYERS: Record<string, { readonly layer: number; readonly why: string }> = {
  util: { layer: 0, why: "generic helpers with no idea of DORA, Woodpecker or the exporter" },
  core: { layer: 1, why: "the pure DORA logic: a deterministic function of pipeline history" },
  "log.ts": { layer: 1, why: "the process logger: generic, so every layer above the core may log (the core may not)" },
  "version.ts": { layer: 1, why: "the build's version string, read from package.json" },
  config: { layer: 2, why: "settings, parsed and validated into the core's options" },
  "memory.ts": {
    layer: 2,
    why: "the process's memory limit (setting or cgroup), its warning, the expected use of a history",
  },
  woodpecker: { layer: 2, why: "the Woodpecker API client and its response schemas" },
  state: {
    layer: 2,
    why: "the durable state file (DORA_STATE_FILE): plain records in SQLite, read and written by the collector",
  },
  argocd: { layer: 2, why: "the ArgoCD API client, its schemas and its pure observation model" },
  collector: { layer: 3, why: "polls the sources, keeps the history, runs the core" },
  metrics: { layer: 3, why: "the Prometheus exposition of core states and of the exporter's health" },
  view: { layer: 3, why: "the window summary, its parameters and number formats, shared by server and cli" },

  server: { layer: 4, why: "the HTTP face: metrics, JSON API, page" },
  "exporter-core.ts": {
    layer: 4,
    why: "wires client, poller and metrics (no listener): the one path the binary, the CLI and the tests share",
  },
  cli: { layer: 5, why: "the one-shot commands (report, check), on the exporter's core" },
  simulator: {
    layer: 4,
    why: "a stand-in Woodpecker for tests and the demo: nothing the exporter serves may depend on it",
  },
  "exporter.ts": { layer: 5, why: "wires client, poller, metrics and server into the running exporter" },
  "demo.ts": { layer: 6, why: "the exporter against the simulator" },
  "main.ts": { layer: 7, why: "the entry point: picks serve, demo or a CLI command" },
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(e.name) ? [path] : [];
  });
}

/** The unit a path under src/ belongs to: its top folder, or the file itself at the top. */
function unitOf(path: string): string | null {
  const rel = relative(SRC, path);
  if (rel.startsWith("..")) return null;
  return rel.split(/[\\/]/)[0]!;
}

/** Every relative module specifier of `import`, `export … from` and `import()` in `text`. */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g;
  for (const m of text.matchAll(re)) out.push(m[1]!);
  return out;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly file: string;
  readonly spec: string;
}

function edges(): Edge[] {
  return sourceFiles(SRC).flatMap((file) =>
    importsOf(readFileSync(file, "utf8")).flatMap((spec) => {
      const from = unitOf(file)!;
      const to = unitOf(resolve(dirname(file), spec));
      return to === null || to === from ? [] : [{ from, to, file: relative(SRC, file), spec }];
    }),
  );
}

describe("layers", () => {
  const all = edges();

  test("the import parser sees every form of import", () => {
    const text = [
      `import { a } from "./a.ts";`,
      `import type { B } from '../b/b.ts';`,
      `export { c } from "./c.ts";`,
      `import "./d.ts";`,
      `const e = await import("../e.ts");`,
      `import * as v from "valibot";`,
    ].join("\n");
    expect(importsOf(text)).toEqual(["./a.ts", "../b/b.ts", "./c.ts", "./d.ts", "../e.ts"]);
    expect(all.length).toBeGreaterThan(50);
  });

  test("every folder and top-level file of src/ has a layer", () => {
    const units = readdirSync(SRC).filter((name) => !name.startsWith("."));
    expect(units.filter((u) => LAYERS[u] === undefined)).toEqual([]);
  });

  test("each unit imports only units below it", () => {
    const wrong = all
      .filter((e) => LAYERS[e.to] !== undefined && LAYERS[e.from]!.layer <= LAYERS[e.to]!.layer)
      .map(
        (e) =>
          `${e.file} -> ${e.spec} (${e.from} ${LAYERS[e.from]!.layer} may not import ${e.to} ${LAYERS[e.to]!.layer})`,
      );
    expect(wrong).toEqual([]);
  });

  test("no cycle between units", () => {
    const next = new Map<string, Set<string>>();
    for (const e of all) next.set(e.from, (next.get(e.from) ?? new Set()).add(e.to));
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (u: string, path: string[]) => {
      if (state.get(u) === "done") return;
      if (state.get(u) === "open") {
        cycles.push([...path.slice(path.indexOf(u)), u].join(" -> "));
        return;
      }
      state.set(u, "open");
      for (const v of next.get(u) ?? []) visit(v, [...path, u]);
      state.set(u, "done");
    };
    for (const u of next.keys()) visit(u, []);
    expect(cycles).toEqual([]);
  });
});
