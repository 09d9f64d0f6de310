// The one redactor (util/redact.ts). That the log and configuration errors both use it:
// test/reliability/log-redaction.test.ts.
import { describe, expect, test } from "bun:test";
import { redact, secretForms } from "../../src/util/redact.ts";

describe("redact", () => {
  test("the raw secret, its JSON-escaped forms (three levels of quoting) and its URL form, longest first", () => {
    const once = String.raw`ab\"c`;
    const twice = String.raw`ab\\\"c`;
    const thrice = String.raw`ab\\\\\\\"c`;
    expect(secretForms('ab"c')).toEqual([thrice, twice, "ab%22c", once, 'ab"c']);
    expect(redact("GET /api?token=a%2Fb%20c x", ["a/b c"])).toBe("GET /api?token=<redacted> x");
    expect(redact(`x ab"c y ${once} z ${twice}`, ['ab"c'])).toBe("x <redacted> y <redacted> z <redacted>");
    expect(redact(String.raw`k\\\\ k\\`, [String.raw`k\\`.slice(0, 2) + "xx"])).toBe(String.raw`k\\\\ k\\`);
    expect(redact(String.raw`"wp\\tok" wp\tok`, [String.raw`wp\tok`])).toBe(`"<redacted>" <redacted>`);
  });

  test("short secrets are left alone (replacing every 'a' would garble the text)", () => {
    expect(redact("a b c", ["a"])).toBe("a b c");
  });
});
