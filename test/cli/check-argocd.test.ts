// `dora-exporter check` with ArgoCD: every app's mapping and why, warnings for apps that map to
// nothing (or to an untracked repo), argocd_apps blocks that match no app and malformed apps;
// notes for the repos whose pushes stopped counting because an app deploys them. The rendering
// with hand-made mappings, and the compiled binary against a simulated Woodpecker + ArgoCD.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AppMapping } from "../../src/argocd/mapping.ts";
import { argocdCheck } from "../../src/cli/check-argocd.ts";
import type { ServedArgoCD } from "../../src/simulator/argocd/index.ts";
import { runBinary, startSim, type Sim } from "../api/sim.ts";

setDefaultTimeout(60_000);

const mapping = (over: Partial<AppMapping> & { app: string }): AppMapping => ({
  uid: `uid-${over.app}`,
  repoId: 1,
  repo: "acme/search",
  target: over.app.split("/")[1]!,
  via: "images",
  why: "image registry.example.com/acme/search:3f2a9c1 names a push commit of acme/search",
  ...over,
});

describe("argocdCheck (hand-made mappings)", () => {
  test("lists every app with repo, target, rule and why, sorted by app", () => {
    const out = argocdCheck({
      mappings: [mapping({ app: "default/zeta" }), mapping({ app: "default/search" })],
      invalid: [],
      blocks: [],
      buildsOnly: [],
      stateFile: true,
    });
    const lines = out.lines.join("\n");
    expect(lines).toContain("ArgoCD apps (2), each mapped by the first rule that applies");
    expect(lines).toMatch(/^ {2}app +repo +target +mapped by +why$/m);
    expect(lines.indexOf("default/search ")).toBeLessThan(lines.indexOf("default/zeta "));
    expect(lines).toMatch(
      /^ {2}default\/search +acme\/search +search +images +image registry\.example\.com\/acme\/search:3f2a9c1 names a push commit of acme\/search$/m,
    );
    expect(out.warnings).toEqual([]);
    expect(out.notes).toEqual([]);
  });

  test("an app that maps to nothing, and one whose block names an untracked repo, are warnings naming the fix", () => {
    const out = argocdCheck({
      mappings: [
        mapping({
          app: "ops/legacy",
          repoId: null,
          repo: "acme-ops/legacy-deploy",
          target: "legacy",
          via: "none",
          why: "nothing maps it",
        }),
        mapping({
          app: "default/pay",
          repoId: null,
          repo: "acme/payments",
          target: "pay",
          via: "config",
          why: 'argocd_apps[0] (apps: "default/pay")',
        }),
      ],
      invalid: [],
      blocks: [{ apps: "default/pay", repo: "acme/payments" }],
      buildsOnly: [],
      stateFile: true,
    });
    expect(out.warnings).toHaveLength(2);
    expect(out.warnings[0]).toStartWith(
      'ArgoCD app default/pay: argocd_apps[0] (apps: "default/pay") names repo "acme/payments", which is not tracked',
    );
    expect(out.warnings[1]).toStartWith(
      "ArgoCD app ops/legacy maps to no tracked repo (nothing maps it): it counts as repo " +
        '"acme-ops/legacy-deploy", target "legacy", with no lead time;',
    );
    expect(out.warnings[1]).toContain("dora-exporter/repo");
  });

  test("a block matching no app, malformed apps and no app at all are warnings", () => {
    const out = argocdCheck({
      mappings: [mapping({ app: "default/search" })],
      invalid: [
        { name: "broken", reason: "items[3]: status.history[0].deployedAt: not an RFC 3339 time" },
        { reason: "items[4]: metadata: missing" },
      ],
      blocks: [
        { apps: "default/search", deployTo: "prod" },
        { apps: "payments/*", repo: "acme/pay" },
      ],
      buildsOnly: [],
      stateFile: true,
    });
    expect(out.warnings).toEqual([
      'argocd_apps[1] (apps: "payments/*") matches no app the token sees (apps: default/search)',
      "ArgoCD sent 2 malformed apps, skipped: broken (items[3]: status.history[0].deployedAt: not an RFC 3339 " +
        "time); items[4]: metadata: missing",
    ]);
    expect(argocdCheck({ mappings: [], invalid: [], blocks: [], buildsOnly: [], stateFile: true }).warnings).toEqual([
      "ArgoCD: no app read; the token's account sees none, or ARGOCD_APPS / ARGOCD_SELECTOR exclude them all",
    ]);
  });

  test("ArgoCD without DORA_STATE_FILE: a note that what ArgoCD forgets is lost at restarts (DEFINITIONS)", () => {
    const without = argocdCheck({
      mappings: [mapping({ app: "default/search" })],
      invalid: [],
      blocks: [],
      buildsOnly: [],
      stateFile: false,
    });
    expect(without.warnings).toEqual([]);
    expect(without.notes).toHaveLength(1);
    expect(without.notes[0]).toStartWith(
      "ArgoCD without DORA_STATE_FILE: the failed syncs, degradations and history entries",
    );
    const withFile = argocdCheck({
      mappings: [mapping({ app: "default/search" })],
      invalid: [],
      blocks: [],
      buildsOnly: [],
      stateFile: true,
    });
    expect(withFile.notes).toEqual([]);
  });

  test("repos whose pushes stopped counting are notes naming the apps, not warnings", () => {
    const out = argocdCheck({
      mappings: [mapping({ app: "default/search" }), mapping({ app: "default/search-canary" })],
      invalid: [],
      blocks: [],
      buildsOnly: [{ fullName: "acme/search", defaultBranch: "main" }],
      stateFile: true,
    });
    expect(out.warnings).toEqual([]);
    expect(out.notes).toEqual([
      'acme/search: its pushes to "main" no longer count as deployments (default rule 2 withdrawn): ArgoCD ' +
        "apps default/search, default/search-canary deploy it",
    ]);
  });
});

describe("the binary against a simulated Woodpecker and ArgoCD", () => {
  const TOKEN = "check-argo-wp-6a1f";
  const ARGO_TOKEN = "check-argo-cd-93b7";
  const NOW = Math.floor(Date.now() / 1000);
  const dir = mkdtempSync(join(tmpdir(), "dora-check-argo-"));
  let s: Sim;
  let argo: ServedArgoCD;
  let env: Record<string, string>;

  beforeAll(() => {
    // acme/search deployed by ArgoCD (images tagged with its pushes' commits); one app nothing maps.
    s = startSim({ token: TOKEN, end: NOW, argocdToken: ARGO_TOKEN });
    s.argocd!.state.addApp({
      name: "legacy",
      project: "ops",
      repoURL: "https://git.example.com/acme-ops/legacy-deploy.git",
      images: ["registry.example.com/legacy:latest"],
      at: NOW - 86_400,
    });
    argo = s.argocd!.served;
    env = s.env;
  });
  afterAll(() => {
    s?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test(
    "shows each app's mapping, the ArgoCD-deployed repo's pushes as builds (a note), and warns about the " +
      "unmapped app",
    async () => {
      const r = await runBinary(["check"], env);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(1);
      const out = r.stdout;
      expect(out).toContain(`argocd          ok   ${argo.url} answers, version v3.5.1+d6b2f9a; 2 apps read\n`);
      const lines = out.split("\n");
      const start = lines.findIndex((l) => l.startsWith("acme/search (id "));
      const block = lines.slice(start, lines.indexOf("", start));
      expect(block[1]).toContain("mode: default 2 withdrawn: an ArgoCD app deploys this repo");
      expect(block).toContainEqual(
        expect.stringMatching(
          /^ {2}argocd: app default\/search -> target search \(images: image registry\.example\.com\/acme\/search:[0-9a-f]{7} names a push commit of acme\/search\)$/,
        ),
      );
      expect(block).toContain(
        "  matched: no Woodpecker pipeline (its pushes are builds); its deployments come from ArgoCD",
      );
      // The other push-mode repo still counts its pushes.
      const web = lines.slice(lines.findIndex((l) => l.startsWith("acme/web (id ")));
      expect(web[1]).toContain("mode: default 2: no deployment pipelines, so pushes");
      expect(out).toMatch(/^ {2}default\/search +acme\/search +search +images +image /m);
      expect(out).toMatch(/^ {2}ops\/legacy +acme-ops\/legacy-deploy +legacy +none +/m);
      expect(out).toContain(
        '2 notes:\n  - acme/search: its pushes to "main" no longer count as deployments (default rule 2 ' +
          "withdrawn): ArgoCD app default/search deploys it\n  - ArgoCD without DORA_STATE_FILE: the failed syncs, " +
          "degradations and history entries that ArgoCD itself forgets",
      );
      expect(out).toContain("1 warning:\n  ! ArgoCD app ops/legacy maps to no tracked repo");
      expect(out).not.toContain(ARGO_TOKEN);
    },
  );

  test("an argocd_apps block maps the app explicitly; ARGOCD_APPS leaves apps out", async () => {
    const config = join(dir, "c.yaml");
    writeFileSync(config, 'argocd_apps:\n  - apps: "ops/*"\n    repo: acme/web\n    deploy_to: legacy-prod\n');
    const r = await runBinary(["check"], { ...env, DORA_CONFIG: config });
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(
      /^ {2}ops\/legacy +acme\/web +legacy-prod +config +argocd_apps\[0\] \(apps: "ops\/\*"\)$/m,
    );
    expect(r.stdout).toContain("  argocd: app ops/legacy -> target legacy-prod (config: argocd_apps[0]");
    expect(r.code).toBe(0);
    const only = await runBinary(["check"], { ...env, ARGOCD_APPS: "default/*" });
    expect(only.stdout).toContain("; 1 app read\n");
    expect(only.stdout).not.toContain("ops/legacy");
  });

  test(
    "report: the ArgoCD target with its source; an ArgoCD that does not answer is exit 1 with one line (never a " +
      "report that counts a GitOps repo's pushes)",
    async () => {
      const ok = await runBinary(["report", "--format", "json"], env);
      expect(ok.code).toBe(0);
      const j = JSON.parse(ok.stdout) as {
        targets: { repo: string; deployTo: string; sources: { source: string; app: string }[] }[];
      };
      expect(
        j.targets
          .filter((t) => t.repo === "acme/search")
          .map((t) => [t.deployTo, t.sources.map((x) => `${x.source}:${x.app}`)]),
      ).toEqual([["search", ["argocd:default/search"]]]);
      const bad = await runBinary(["report"], { ...env, ARGOCD_TOKEN: "wrong-argo-token-78" });
      expect(bad.code).toBe(1);
      expect(bad.stdout).toBe("");
      expect(bad.stderr.trimEnd().split("\n")).toEqual([
        expect.stringMatching(/^dora-exporter report: cannot read ArgoCD: .*401/),
      ]);
      expect(bad.stderr).not.toContain("wrong-argo-token-78");
    },
  );

  test("a wrong ArgoCD token: FAIL line and a warning, the Woodpecker part still shown, never the token", async () => {
    const r = await runBinary(["check"], { ...env, ARGOCD_TOKEN: "wrong-argo-token-77" });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^argocd {10}FAIL .*401/m);
    expect(r.stdout).toContain("acme/search (id ");
    expect(r.stdout).toMatch(/mode: default 2: no deployment pipelines/);
    expect(r.stdout + r.stderr).not.toContain("wrong-argo-token-77");
  });
});
