// The vendored ArgoCD spec must stay byte-identical to the project's reference in shared/argocd
// (checked where that folder sits beside the repo, as on developer machines and in CI).
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const SHARED = join(ROOT, "..", "shared", "argocd");
const NAME = "swagger-v3.5.1.json";

test.skipIf(!existsSync(join(SHARED, NAME)))(`test/testdata/argocd/${NAME} equals shared/argocd/${NAME}`, async () => {
  const vendored = await Bun.file(join(ROOT, "test", "testdata", "argocd", NAME)).text();
  const reference = await Bun.file(join(SHARED, NAME)).text();
  expect(vendored === reference).toBe(true);
});
