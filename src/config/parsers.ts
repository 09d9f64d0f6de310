// String parsers for the settings whose syntax is richer than "a number" or "one of these words":
// the Woodpecker URL, the listen address, RFC 3339 times, globs and comma-separated glob lists.
// Plain functions returning a value or a problem (never throwing), so the valibot schemas in
// schema.ts can wrap them and the messages stay specific ("must not contain a query string"
// rather than "invalid URL").
import { isIPv4, isIPv6 } from "node:net";
import type { Listen, Shard } from "./config.ts";
import { show } from "./format.ts";
import { bad, ok, type Parsed } from "../util/parsed.ts";
import { ceilSeconds, parseRfc3339Time } from "../util/rfc3339.ts";

/** A URL as shown in messages: never with its `user:password@` part, which may be a secret. */
function showUrl(raw: string): string {
  return show(raw.replace(/^([^/]*\/\/)[^/?#]*@/, "$1***@"));
}

/**
 * The Woodpecker server URL: http(s) only, optional path prefix (a server behind
 * `https://example.com/ci`), no credentials (the token has its own settings and must not be
 * logged with the URL), no query or fragment (API paths are appended to it).
 * Returns origin + path without trailing slashes.
 */
export function parseServerUrl(raw: string): Parsed<string> {
  if (!/^https?:\/\//i.test(raw)) {
    return bad(`${showUrl(raw)} is not an http:// or https:// URL (e.g. https://ci.example.com)`);
  }
  // Checked on the raw text: `new URL` silently drops an empty `?` or `#`, and userinfo must be
  // refused without echoing it.
  const authority = raw.slice(raw.indexOf("//") + 2).split(/[/?#]/, 1)[0] ?? "";
  if (authority.includes("@")) {
    return bad(
      "must not contain credentials (user:password@); put the token in WOODPECKER_TOKEN or WOODPECKER_TOKEN_FILE",
    );
  }
  if (raw.includes("?")) return bad(`${showUrl(raw)} must not contain a query string`);
  if (raw.includes("#")) return bad(`${showUrl(raw)} must not contain a fragment`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return bad(`${showUrl(raw)} is not a valid URL`);
  }
  if (url.hostname === "") return bad(`${showUrl(raw)} has no host`);
  return ok(url.origin + url.pathname.replace(/\/+$/, ""));
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const LISTEN_FORMS = "expected host:port, [ipv6]:port or :port";

/**
 * `host:port`, `[ipv6]:port` or `:port` (all IPv4 interfaces). The host is returned without
 * brackets, the form Bun.serve's `hostname` takes.
 */
export function parseListen(raw: string): Parsed<{ host: string; port: number }> {
  let host: string;
  let port: string;
  if (raw.includes("/")) return bad(`${show(raw)} is not an address; no scheme or path (${LISTEN_FORMS})`);
  if (raw.startsWith("[")) {
    const end = raw.indexOf("]");
    if (end < 0) return bad(`${show(raw)} has an unclosed '[' (${LISTEN_FORMS})`);
    host = raw.slice(1, end);
    if (raw[end + 1] !== ":") return bad(`${show(raw)} has no port (${LISTEN_FORMS})`);
    port = raw.slice(end + 2);
    if (!isIPv6(host)) return bad(`${show(raw)}: ${show(host)} is not an IPv6 address`);
  } else {
    const colon = raw.lastIndexOf(":");
    if (colon < 0) return bad(`${show(raw)} has no port (${LISTEN_FORMS})`);
    host = raw.slice(0, colon);
    port = raw.slice(colon + 1);
    if (host.includes(":")) return bad(`${show(raw)}: an IPv6 address needs brackets, e.g. [::]:9798`);
    if (host === "") host = "0.0.0.0";
    else if (/^[0-9.]+$/.test(host) ? !isIPv4(host) : !HOSTNAME.test(host)) {
      return bad(`${show(raw)}: ${show(host)} is not an IPv4 address or host name`);
    }
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    return bad(`${show(raw)}: port ${show(port)} is not an integer from 0 to 65535`);
  }
  return ok({ host, port: Number(port) } satisfies Listen);
}

/**
 * An RFC 3339 time (the one strict parser, util/rfc3339.ts) as Unix seconds. A fractional second
 * gives the next whole second: `since` excludes pipelines created before it, and pipeline times
 * are whole seconds, so this is the exact bound, not a rounding.
 */
export function parseRfc3339(raw: string): Parsed<number> {
  const parsed = parseRfc3339Time(raw);
  if (!parsed.ok) return bad(`${show(raw)} ${parsed.problem}`);
  const seconds = ceilSeconds(parsed.time);
  if (seconds < 0) return bad(`${show(raw)} is before 1970-01-01T00:00:00Z`);
  return ok(seconds);
}

/**
 * Split a comma-separated list, except at commas that belong to a glob: inside `{a,b}`, inside a
 * `[...]` class, or escaped as `\,`. So `DORA_REPOS=acme/{api,web},!acme/old` is two patterns.
 * Items are trimmed; empty items are dropped, so a trailing comma is harmless.
 */
export function splitList(text: string): string[] {
  const items: string[] = [];
  let current = "";
  let braces = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\" && i + 1 < text.length) {
      current += c + text[++i];
      continue;
    }
    if (c === "[") {
      const end = text.indexOf("]", i + 2);
      if (end > 0) {
        current += text.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (c === "{") braces++;
    else if (c === "}" && braces > 0) braces--;
    else if (c === "," && braces === 0) {
      items.push(current);
      current = "";
      continue;
    }
    current += c;
  }
  items.push(current);
  return items.map((s) => s.trim()).filter((s) => s !== "");
}

/** DORA_SHARD `k/n`: shard k (counted from 0) of n, 1 <= n <= 1024 (collector/shard.ts uses it). */
export function parseShard(raw: string): Parsed<Shard> {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(raw.replace(/\s+/g, ""));
  if (!m) return bad(`${show(raw)} is not k/n (shard k of n, counted from 0, e.g. 0/2 and 1/2)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 1024) return bad(`${show(raw)}: n must be from 1 to 1024`);
  if (index >= count) return bad(`${show(raw)}: k must be from 0 to ${count - 1} (shards are counted from 0)`);
  return ok({ index, count });
}

const BYTE_UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/**
 * DORA_MEMORY_LIMIT: a size in bytes, as Kubernetes writes memory quantities (`512Mi`, `1Gi`,
 * `600M`, `536870912`); a trailing `B` is accepted (`512MiB`). At least 1Mi.
 */
export function parseBytes(raw: string): Parsed<number> {
  const m = /^(\d+(?:\.\d+)?)\s*([kKMGT]i?)?B?$/.exec(raw);
  const unit = m ? BYTE_UNITS[m[2] ?? ""] : undefined;
  if (!m || unit === undefined) return bad(`${show(raw)} is not a size in bytes (e.g. 512Mi, 1Gi, 600M or 536870912)`);
  const bytes = Math.floor(Number(m[1]) * unit);
  if (bytes < 2 ** 20) return bad(`${show(raw)} is less than 1Mi`);
  if (!Number.isSafeInteger(bytes)) return bad(`${show(raw)} is too large`);
  return ok(bytes);
}
