// The README stays true: its configuration table is the settings table the binary's --help
// prints, and the definitions it links are the project's contract.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { renderSettingsMarkdown } from "../../src/config/settings.ts";

const ROOT = join(import.meta.dir, "..", "..");

test("README configuration table equals src/config/settings.ts", async () => {
  const readme = await Bun.file(join(ROOT, "README.md")).text();
  const m = /<!-- settings-table:begin[^>]*-->\n([\s\S]*?)<!-- settings-table:end -->/.exec(readme);
  expect(m).not.toBeNull();
  expect(m![1]!.trim()).toBe(renderSettingsMarkdown().trim());
});

test("README quick start has exactly the two commands", async () => {
  const readme = await Bun.file(join(ROOT, "README.md")).text();
  const quick = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!;
  const commands = quick
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => l.split("#")[0]!.trim());
  expect(commands).toEqual(["npm run demo", "npm test"]);
  const pkg = await Bun.file(join(ROOT, "package.json")).json();
  expect(pkg.scripts.demo).toContain("demo");
  expect(pkg.scripts.test).toBeDefined();
});
