// One redactor for every output (issue 9, defect 6): the log and the configuration errors hide a
// secret the same way, raw or JSON-escaped, whatever characters it contains.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { scrub } from "../../src/config/format.ts";
import { createLogger, redact, setSecrets } from "../../src/log.ts";
import { reliabilityParams } from "./params.ts";

describe("the log redactor", () => {
  for (const token of [
    'wp-"quoted"-token',
    "wp\\back\\slash",
    'mix"\\of\\"both',
    "tab\there-token",
    "plain-token-123",
  ]) {
    test(`hides ${JSON.stringify(token)} in a log line, also inside a JSON-quoted value`, () => {
      setSecrets([token]);
      try {
        const lines: string[] = [];
        const log = createLogger({ write: (l) => lines.push(l) });
        log.error("request failed", {
          detail: `GET /x: token ${token} rejected`,
          quoted: JSON.stringify({ token }),
          error: new Error(token),
        });
        for (const line of lines) {
          expect(line).not.toContain(token);
          expect(line).not.toContain(JSON.stringify(token).slice(1, -1));
          expect(line).not.toContain(JSON.stringify(JSON.stringify(token)).slice(1, -1));
          expect(JSON.parse(line).detail).toBe("GET /x: token <redacted> rejected");
        }
      } finally {
        setSecrets([]);
      }
    });
  }

  test("log, CLI error lines and config errors use the same redactor: same output for every text", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 4, maxLength: 12, unit: fc.constantFrom("a", "b", '"', "\\", "\n", "x") }),
        fc.string(),
        (secret, noise) => {
          setSecrets([secret]);
          try {
            for (const text of [
              `${noise}${secret}${noise}`,
              JSON.stringify({ v: secret, noise }),
              JSON.stringify(JSON.stringify(secret)),
            ]) {
              const a = redact(text);
              expect(a).toBe(scrub(text, [secret]));
              expect(a).not.toContain(secret);
            }
            const lines: string[] = [];
            createLogger({ write: (l) => lines.push(l) }).info(noise, { s: secret, q: JSON.stringify(secret) });
            expect(lines[0]).not.toContain(secret);
            expect(lines[0]).not.toContain(JSON.stringify(secret).slice(1, -1));
          } finally {
            setSecrets([]);
          }
        },
      ),
      reliabilityParams(300, "redactor"),
    );
  });
});
