// Shared helpers for the config tests: an in-memory file system, a minimal valid environment,
// and an assertion that loading fails with a one-line ConfigError containing a given text.
import { expect } from "bun:test";
import { join } from "node:path";
import { ConfigError, type Config } from "../../src/config/config.ts";
import { type ConfigFs, loadConfig } from "../../src/config/load.ts";

/** Recognisable, so a test can assert it never appears in a message. */
export const TOKEN = "s3cr3t-t0ken-XYZ";

export const TESTDATA = join(import.meta.dir, "..", "testdata", "config");

/** The smallest environment that loads. */
export const BASE_ENV: Readonly<Record<string, string>> = {
  WOODPECKER_URL: "https://ci.example.com",
  WOODPECKER_TOKEN: TOKEN,
};

/** Files by path; a missing path throws like node:fs (code ENOENT). Records every read. */
export function memFs(files: Record<string, string>): ConfigFs & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readFile(path) {
      reads.push(path);
      const text = files[path];
      if (text === undefined)
        throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: "ENOENT" });
      return text;
    },
  };
}

/** Load with BASE_ENV plus `env` (a key set to undefined removes it from BASE_ENV). */
export function load(env: Record<string, string | undefined> = {}, files: Record<string, string> = {}): Config {
  return loadConfig({ ...BASE_ENV, ...env }, memFs(files));
}

/** The ConfigError thrown by `fn`, checked to be one line that never contains the token. */
export function configError(fn: () => unknown): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof ConfigError))
    throw new Error(`expected a ConfigError, got ${caught === undefined ? "success" : String(caught)}`);
  expect(caught.message).not.toMatch(/[\r\n]/);
  expect(caught.message).not.toContain(TOKEN);
  expect(caught.message.startsWith(caught.setting + ": ")).toBe(true);
  return caught;
}

/** Loading `env` (over BASE_ENV) with `files` fails with a message containing `expected`. */
export function expectError(
  env: Record<string, string | undefined>,
  expected: string,
  files: Record<string, string> = {},
): ConfigError {
  const err = configError(() => load(env, files));
  expect(err.message).toContain(expected);
  return err;
}
