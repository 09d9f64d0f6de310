// The binary's command line as a new user meets it: --help, --version, and a one-line hint with
// exit code 2 when it is started without configuration.
import { describe, expect, test } from "bun:test";
import pkg from "../../package.json" with { type: "json" };
import { BINARY, ensureBinary } from "./exporter-process.ts";

function run(args: string[], env: Record<string, string> = {}) {
  ensureBinary();
  const r = Bun.spawnSync([BINARY, ...args], { env: { PATH: process.env.PATH ?? "", ...env } });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

describe("dora-exporter command line", () => {
  test("--version prints the package version", () => {
    const r = run(["--version"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`dora-exporter ${pkg.version}\n`);
  });

  test("--help lists the commands and every setting with its default", () => {
    const r = run(["--help"]);
    expect(r.code).toBe(0);
    for (const s of [
      "demo",
      "WOODPECKER_URL",
      "WOODPECKER_TOKEN_FILE",
      "DORA_POLL_INTERVAL",
      "0.0.0.0:9798",
      "failure,error",
    ]) {
      expect(r.out).toContain(s);
    }
  });

  test("no WOODPECKER_URL: exit 2 and one line naming it", () => {
    const r = run([]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
    expect(r.err).toContain("WOODPECKER_URL");
  });

  test("no token: exit 2 and one line naming WOODPECKER_TOKEN", () => {
    const r = run([], { WOODPECKER_URL: "http://127.0.0.1:9" });
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
    expect(r.err).toContain("WOODPECKER_TOKEN");
  });

  test("an unknown argument: exit 2", () => {
    const r = run(["--frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--frobnicate");
  });
});
