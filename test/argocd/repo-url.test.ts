// Source repoURLs for the mapping rules: equality ignoring scheme, `.git` and case; the owner/name path.
import { expect, test } from "bun:test";
import { repoPathOf, repoUrlKey, sameRepoUrl } from "../../src/argocd/repo-url.ts";

test("the same repository in https, ssh and scp-like forms, any case, with or without .git", () => {
  const forms = [
    "https://git.example.com/acme/shop-api.git",
    "https://git.example.com/acme/shop-api",
    "http://git.example.com/acme/shop-api/",
    "HTTPS://Git.Example.com/Acme/Shop-API.git",
    "git@git.example.com:acme/shop-api.git",
    "ssh://git@git.example.com:2222/acme/shop-api.git",
    "https://user@git.example.com/acme/shop-api.git",
  ];
  for (const f of forms) expect([f, repoUrlKey(f)]).toEqual([f, "git.example.com/acme/shop-api"]);
  expect(sameRepoUrl(forms[0]!, forms[4]!)).toBe(true);
});

test("different repositories, hosts and unparsable values never match", () => {
  expect(sameRepoUrl("https://git.example.com/acme/shop-api", "https://git.example.com/acme/shop-web")).toBe(false);
  expect(sameRepoUrl("https://git.example.com/acme/shop-api", "https://github.com/acme/shop-api")).toBe(false);
  expect(sameRepoUrl("https://git.example.com/acme/shop", "https://git.example.com/acme/shop-api")).toBe(false);
  expect(sameRepoUrl("", "")).toBe(false);
  expect(sameRepoUrl("not a url", "not a url")).toBe(false);
  expect(repoUrlKey("https://git.example.com/")).toBe("");
});

test("the owner/name path keeps case and nested groups, drops .git", () => {
  expect(repoPathOf("https://git.example.com/acme/shop-api.git")).toBe("acme/shop-api");
  expect(repoPathOf("git@github.com:Acme/Shop-API.git")).toBe("Acme/Shop-API");
  expect(repoPathOf("https://gitlab.example.com/group/sub/app/")).toBe("group/sub/app");
  expect(repoPathOf("oci://registry.example.com/charts/app")).toBe("charts/app");
  expect(repoPathOf("garbage")).toBe("");
});
