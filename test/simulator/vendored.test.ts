// The vendored Woodpecker spec and example must stay byte-identical to the project's references
// in shared/woodpecker (checked where that folder sits beside the repo, as on developer machines
// and in CI).
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const SHARED = join(ROOT, "..", "shared", "woodpecker");

for (const name of ["swagger-v3.17.0.json", "pipelines-example.json"]) {
  test.skipIf(!existsSync(join(SHARED, name)))(
    `test/testdata/woodpecker/${name} equals shared/woodpecker/${name}`,
    async () => {
      const vendored = await Bun.file(join(ROOT, "test", "testdata", "woodpecker", name)).text();
      const reference = await Bun.file(join(SHARED, name)).text();
      expect(vendored === reference).toBe(true);
    },
  );
}
