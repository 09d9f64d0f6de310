// Image-tag parsing for the automatic join (docs/DEFINITIONS.md, "Mapping" (3)).
import { expect, test } from "bun:test";
import fc from "fast-check";
import { commitCandidates, imageTag, namesCommit } from "../../src/argocd/images.ts";
import { fcParams } from "../core/property-params.ts";

test("the tag is after the last `:` of the last path segment; no registry port, no digest", () => {
  expect(imageTag("registry.example.com/acme/shop-api:3f2a9c1")).toBe("3f2a9c1");
  expect(imageTag("registry.example.com:5000/acme/shop-api")).toBe("");
  expect(imageTag("registry.example.com:5000/acme/shop-api:v1.4.2-3f2a9c1")).toBe("v1.4.2-3f2a9c1");
  expect(imageTag("shop-api@sha256:" + "ab".repeat(32))).toBe("");
  expect(imageTag("acme/shop-api:sha-3f2a9c1@sha256:" + "cd".repeat(32))).toBe("sha-3f2a9c1");
  expect(imageTag("nginx")).toBe("");
});

test("every maximal run of 7-40 hex characters of the tag is a candidate", () => {
  const c = (tag: string) => commitCandidates(`registry.example.com:5000/deadbeefcafe/app:${tag}`);
  expect(c("3f2a9c1")).toEqual(["3f2a9c1"]);
  expect(c("sha-3f2a9c1")).toEqual(["3f2a9c1"]);
  expect(c("v1.4.2-3f2a9c1")).toEqual(["3f2a9c1"]);
  expect(c("3F2A9C1D")).toEqual(["3f2a9c1d"]);
  expect(c("3f2a9c")).toEqual([]); // 6: too short
  expect(c("a".repeat(40))).toEqual(["a".repeat(40)]);
  expect(c("a".repeat(41))).toEqual([]); // a longer run is not cut down
  expect(c("build-1234567-3f2a9c1d-1234567")).toEqual(["1234567", "3f2a9c1d"]);
  expect(c("feature-cafe123")).toEqual(["cafe123"]); // "fea" and "e" are too short
  expect(c("latest")).toEqual([]);
  // The registry path and digest never give candidates.
  expect(commitCandidates("deadbeefcafe.example.com/acme/app@sha256:" + "1".repeat(64))).toEqual([]);
});

test("a candidate names a commit that equals it or starts with it", () => {
  const sha = "3f2a9c1d0e4b5a6978877665544332211aabbccd";
  expect(namesCommit("3f2a9c1", sha)).toBe(true);
  expect(namesCommit(sha, sha)).toBe(true);
  expect(namesCommit("3f2a9c2", sha)).toBe(false);
  expect(namesCommit("2a9c1d0", sha)).toBe(false); // not a prefix
});

test("any commit tagged by its first 7-40 characters, with any decoration, is found", () => {
  const hex = fc.stringMatching(/^[0-9a-f]{40}$/);
  const deco = fc.constantFrom("", "sha-", "v1.2.3-", "main-", "build_");
  fc.assert(
    fc.property(hex, fc.integer({ min: 7, max: 40 }), deco, deco, (sha, n, pre, post) => {
      const suffix = post === "" ? "" : `-${post.replace(/[-_]$/, "")}x`;
      const cands = commitCandidates(`registry.example.com:5000/acme/app:${pre}${sha.slice(0, n)}${suffix}`);
      expect(cands.some((c) => namesCommit(c, sha))).toBe(true);
    }),
    fcParams(300),
  );
});
