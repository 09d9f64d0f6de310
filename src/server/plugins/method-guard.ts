// Read-only server: every route is GET (HEAD answers like GET). Any other method gets 405 with an
// `Allow` header, before routing; Elysia alone would answer 404 as if the path did not exist.
import { Elysia } from "elysia";

export const ALLOWED_METHODS = ["GET", "HEAD"] as const;

export const methodGuardPlugin = () =>
  new Elysia({ name: "method-guard" }).onRequest(({ request, set }) => {
    if ((ALLOWED_METHODS as readonly string[]).includes(request.method)) return;
    set.status = 405;
    set.headers.allow = ALLOWED_METHODS.join(", ");
    set.headers["cache-control"] = "no-store";
    set.headers["content-type"] = "text/plain; charset=utf-8";
    return "method not allowed\n";
  });
