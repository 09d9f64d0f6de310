// The string parsers behind the richer settings, including properties over generated input.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { didYouMean, keyPath, oneLine, scrub, show } from "../../src/config/format.ts";
import { globProblem } from "../../src/core/glob.ts";
import { parseListen, parseRfc3339, parseServerUrl, splitList } from "../../src/config/parsers.ts";

describe("parseRfc3339", () => {
  test("agrees with Date for every instant written as toISOString (Z, with milliseconds)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253402300799 }), fc.integer({ min: 0, max: 999 }), (seconds, ms) => {
        const text = new Date(seconds * 1000 + ms).toISOString();
        expect(parseRfc3339(text)).toEqual({ ok: true, value: seconds + (ms > 0 ? 1 : 0) });
        expect(parseRfc3339(text.replace(/\.\d+Z$/, "Z"))).toEqual({ ok: true, value: seconds });
      }),
    );
  });

  test("an offset moves the instant by exactly the offset", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 86400, max: 4102444800 }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (seconds, offsetMinutes) => {
          const local = new Date((seconds + offsetMinutes * 60) * 1000).toISOString().slice(0, 19);
          const abs = Math.abs(offsetMinutes);
          const offset =
            `${offsetMinutes < 0 ? "-" : "+"}` +
            `${String(Math.floor(abs / 60)).padStart(2, "0")}:` +
            `${String(abs % 60).padStart(2, "0")}`;
          expect(parseRfc3339(local + offset)).toEqual({ ok: true, value: seconds });
        },
      ),
    );
  });

  test("day 29 to 31 exist exactly when the calendar says so", () => {
    for (let year = 1970; year <= 2400; year += 1) {
      for (let month = 1; month <= 12; month++) {
        const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
        for (const day of [28, 29, 30, 31]) {
          const text = `${year}-${String(month).padStart(2, "0")}-${day}T00:00:00Z`;
          expect(parseRfc3339(text).ok).toBe(day <= days);
        }
      }
    }
  });
});

describe("parseServerUrl", () => {
  test("output never ends in a slash and never has a query, fragment or credentials", () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const r = parseServerUrl(url);
        if (!r.ok) return;
        // An "@" in the path is legal ("http://a.aa/@"); credentials are the URL's user info.
        const u = new URL(r.value);
        expect([u.search, u.hash, u.username, u.password]).toEqual(["", "", "", ""]);
        expect(r.value).not.toMatch(/\/$|[?#]/);
        expect(r.value).toMatch(/^https?:\/\//);
      }),
      { examples: [["http://a.aa/@"], ["https://user:pw@ci.example.com/x?y#z"]] },
    );
  });

  test("is idempotent", () => {
    fc.assert(
      fc.property(fc.webUrl(), (url) => {
        const r = parseServerUrl(url);
        if (r.ok) expect(parseServerUrl(r.value)).toEqual(r);
      }),
    );
  });
});

describe("parseListen", () => {
  test("every port 0..65535 round-trips for IPv4, names and IPv6", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), fc.ipV4(), fc.ipV6(), fc.domain(), (port, v4, v6, name) => {
        expect(parseListen(`${v4}:${port}`)).toEqual({ ok: true, value: { host: v4, port } });
        expect(parseListen(`[${v6}]:${port}`)).toEqual({ ok: true, value: { host: v6, port } });
        expect(parseListen(`${name}:${port}`)).toEqual({ ok: true, value: { host: name, port } });
        expect(parseListen(`:${port}`)).toEqual({ ok: true, value: { host: "0.0.0.0", port } });
      }),
    );
  });
});

describe("splitList", () => {
  test.each([
    ["a,b", ["a", "b"]],
    ["a/{b,c},d", ["a/{b,c}", "d"]],
    ["a/{b,{c,d}},e", ["a/{b,{c,d}}", "e"]],
    ["a/[,x],b", ["a/[,x]", "b"]],
    ["a\\,b,c", ["a\\,b", "c"]],
    [" a , , b ,", ["a", "b"]],
    ["", []],
  ])("%p", (text, expected) => {
    expect(splitList(text)).toEqual(expected);
  });

  test("joining valid comma-free globs with commas splits back into them", () => {
    const glob = fc.stringMatching(/^[a-z*?/!-]{1,8}(\{[a-z]{1,3}(,[a-z]{1,3}){0,2}\})?$/);
    fc.assert(
      fc.property(fc.array(glob, { maxLength: 6 }), (globs) => {
        expect(splitList(globs.join(","))).toEqual(globs);
      }),
    );
  });
});

describe("format helpers", () => {
  test("show", () => {
    expect(show("a\nb")).toBe('"a\\nb"');
    expect(show(5)).toBe("5");
    expect(show([1])).toBe("a list");
    expect(show({})).toBe("a mapping");
    expect(show(null)).toBe("null");
    const long = show("x".repeat(200));
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long).toMatch(/^"x+…"$/);
  });

  test("keyPath", () => {
    expect(
      keyPath([{ key: "deployment_rules" }, { key: 0 }, { key: "rules" }, { key: 1 }, { key: "events" }, { key: 0 }]),
    ).toBe("deployment_rules[0].rules[1].events[0]");
    expect(keyPath([{ key: "a b" }])).toBe('["a b"]');
    expect(keyPath(undefined)).toBe("");
  });

  test("didYouMean", () => {
    const known = ["woodpecker_url", "poll_interval", "deploy_to", "events"];
    expect(didYouMean("WOODPECKER_URL", known)).toBe("woodpecker_url");
    expect(didYouMean("deployTo", known)).toBe("deploy_to");
    expect(didYouMean("poll-interval", known)).toBe("poll_interval");
    expect(didYouMean("event", known)).toBe("events");
    expect(didYouMean("colour", known)).toBeUndefined();
  });

  test("scrub and oneLine", () => {
    expect(scrub('x "abcd\\"ef" abcd"ef', ['abcd"ef'])).toBe('x "<redacted>" <redacted>');
    expect(scrub("a b c", ["a"])).toBe("a b c");
    expect(oneLine("a\r\nb\tc")).toBe("a b c");
  });

  test("globProblem", () => {
    expect(globProblem("acme/*")).toBeNull();
    expect(globProblem("acme/{x")?.problem).toBe("unclosed '{'");
    expect(globProblem("acme/{x")?.message).toBe(`unclosed '{' in "acme/{x"`);
    expect(globProblem("")?.problem).toBe("empty pattern");
  });
});
