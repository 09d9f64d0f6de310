// HTTP basic auth for every path (DORA_WEB_CONFIG basic_auth_users), /metrics included, checked
// before routing. Hashes are bcrypt, verified with Bun.password.verify. bcrypt is slow by design
// (tens of ms at cost 10), so a verified user:password pair is remembered (as a SHA-256 digest,
// never the password) for the process; a wrong one is checked every time.
import { Elysia } from "elysia";

const REALM = `Basic realm="dora-exporter", charset="UTF-8"`;
// Verified against when the user is unknown, so an unknown user costs as much as a wrong password.
const DUMMY = "$2b$10$CwTycUXWue0Thq9StjUM0uJ8DrGQJmQDGnXkSbWzWv0ZQcS/8Yqaq";

export const basicAuthPlugin = (users: Readonly<Record<string, string>>) => {
  const verified = new Set<string>();
  const digest = (user: string, password: string, hash: string) =>
    new Bun.CryptoHasher("sha256").update(`${user}\0${password}\0${hash}`).digest("hex");

  const allowed = async (header: string | null): Promise<boolean> => {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
    if (!m) return false;
    const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const hash = Object.hasOwn(users, user) ? users[user]! : undefined;
    const key = digest(user, password, hash ?? DUMMY);
    if (hash !== undefined && verified.has(key)) return true;
    const ok = await Bun.password.verify(password, hash ?? DUMMY).catch(() => false);
    if (!ok || hash === undefined) return false;
    if (verified.size < 1000) verified.add(key);
    return true;
  };

  return new Elysia({ name: "basic-auth" }).onRequest(async ({ request, set }) => {
    if (await allowed(request.headers.get("authorization"))) return;
    set.status = 401;
    set.headers["www-authenticate"] = REALM;
    set.headers["cache-control"] = "no-store";
    set.headers["content-type"] = "text/plain; charset=utf-8";
    return "unauthorized\n";
  });
};
