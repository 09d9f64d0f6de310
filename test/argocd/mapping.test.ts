// The mapping of ArgoCD apps to (repo, target): each rule of DEFINITIONS "Mapping", in its order.
import { describe, expect, test } from "bun:test";
import { mapApp, mapByImages, pushCommitIndex, type MappableRepo } from "../../src/argocd/mapping.ts";
import type { ArgoApp } from "../../src/argocd/schemas.ts";

const API_SHA = "3f2a9c1d4e5f60718293a4b5c6d7e8f901234567";
const WEB_SHA = "9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c";
const SHARED_SHA = "aaaaaaa1111111111111111111111111111111111".slice(0, 40);
const repos: MappableRepo[] = [
  {
    id: 1,
    fullName: "acme/shop-api",
    urls: ["https://git.example.com/acme/shop-api.git", "git@git.example.com:acme/shop-api.git"],
  },
  { id: 2, fullName: "acme/shop-web", urls: ["https://git.example.com/acme/shop-web"] },
];
const commits = pushCommitIndex([
  [1, API_SHA],
  [2, WEB_SHA],
  [1, SHARED_SHA],
  [2, SHARED_SHA],
]);

function app(over: Partial<ArgoApp> = {}): ArgoApp {
  return {
    name: "shop",
    namespace: "argocd",
    uid: "u-1",
    project: "default",
    annotations: {},
    labels: {},
    repoURLs: ["https://git.example.com/acme/shop-deploy.git"],
    history: [],
    operation: null,
    health: null,
    images: [],
    ...over,
  };
}

describe("mapApp", () => {
  test("a config block by glob on <project>/<name> wins, with its repo and deploy_to", () => {
    const m = mapApp(app({ images: [`r/x:${API_SHA.slice(0, 7)}`] }), repos, commits, [
      { apps: "other/*", repo: "acme/nope" },
      { apps: "default/sh*", repo: "acme/shop-web", deployTo: "production" },
    ]);
    expect(m).toMatchObject({
      repoId: 2,
      repo: "acme/shop-web",
      target: "production",
      via: "config",
      app: "default/shop",
    });
    expect(m.why).toContain("argocd_apps[1]");
  });

  test("a block with only deploy_to names the target; the repo comes from the later rules", () => {
    const m = mapApp(app({ images: [`r/x:${API_SHA.slice(0, 7)}`] }), repos, commits, [
      { apps: "*/shop", deployTo: "eu" },
    ]);
    expect(m).toMatchObject({ repoId: 1, target: "eu", via: "images" });
  });

  test("annotations: repo and deploy-to; with only the repo annotation the target is the app's name", () => {
    const a = { "dora-exporter/repo": "acme/shop-web", "dora-exporter/deploy-to": "prod" };
    expect(mapApp(app({ annotations: a }), repos, commits, [])).toMatchObject({
      repoId: 2,
      target: "prod",
      via: "annotation",
    });
    expect(mapApp(app({ annotations: { "dora-exporter/repo": "acme/shop-web" } }), repos, commits, [])).toMatchObject({
      target: "shop",
    });
    // An annotation naming an untracked repo: that label, no tracked repo (lead time falls back).
    expect(mapApp(app({ annotations: { "dora-exporter/repo": "acme/gone" } }), repos, commits, [])).toMatchObject({
      repoId: null,
      repo: "acme/gone",
    });
  });

  test("images: a full sha or a prefix of 7+; an image naming no commit is ignored", () => {
    expect(
      mapApp(app({ images: [`reg:5000/acme/api:v1-${API_SHA}`, "redis:7.2.4"] }), repos, commits, []),
    ).toMatchObject({ repoId: 1, via: "images" });
    expect(mapApp(app({ images: [`acme/api:${API_SHA.slice(0, 6)}`] }), repos, commits, [])).toMatchObject({
      via: "none",
    }); // 6 is too short
  });

  test("images win over source; images that disagree map by source instead", () => {
    const src = { repoURLs: ["git@git.example.com:acme/shop-api.git"] };
    expect(mapApp(app({ ...src, images: [`web:${WEB_SHA.slice(0, 8)}`] }), repos, commits, [])).toMatchObject({
      repoId: 2,
      via: "images",
    });
    const both = [`api:${API_SHA.slice(0, 7)}`, `web:${WEB_SHA.slice(0, 7)}`];
    expect(mapByImages(both, commits)).toBeNull();
    expect(mapApp(app({ ...src, images: both }), repos, commits, [])).toMatchObject({ repoId: 1, via: "source" });
  });

  test("an image naming a commit of several repos is ignored", () => {
    expect(mapByImages([`x:${SHARED_SHA.slice(0, 10)}`], commits)).toBeNull();
    expect(mapByImages([`x:${SHARED_SHA.slice(0, 10)}`, `api:${API_SHA.slice(0, 7)}`], commits)).toMatchObject({
      repoId: 1,
    });
  });

  test("source repoURL equal to a clone or forge URL, ignoring scheme, .git and case", () => {
    expect(
      mapApp(app({ repoURLs: ["ssh://git@GIT.example.com/acme/Shop-Web.git"] }), repos, commits, []),
    ).toMatchObject({ repoId: 2, via: "source" });
  });

  test("unmapped: repo label is the owner/name path of the repoURL; without a path the app's name", () => {
    expect(mapApp(app(), repos, commits, [])).toMatchObject({
      repoId: null,
      repo: "acme/shop-deploy",
      target: "shop",
      via: "none",
    });
    expect(mapApp(app({ repoURLs: ["https://charts.example.com"] }), repos, commits, [])).toMatchObject({
      repo: "default/shop",
    });
  });
});
