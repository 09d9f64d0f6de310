// GET /metrics: the Prometheus exposition. Rendering reads values set at poll time; nothing
// here touches Woodpecker.
import { Elysia } from "elysia";
import type { Registry } from "prom-client";
import { CachedRegistry } from "../../metrics/cache.ts";

export const metricsPlugin = (registry: Registry) =>
  new Elysia({ name: "metrics" }).get("/metrics", async ({ set }) => {
    // A CachedRegistry (metrics/cache.ts) hands out pre-encoded bytes: same text, less work.
    if (registry instanceof CachedRegistry) {
      return new Response(await registry.body(), {
        headers: { "content-type": registry.contentType, "cache-control": "no-store" },
      });
    }
    set.headers["content-type"] = registry.contentType;
    set.headers["cache-control"] = "no-store";
    return await registry.metrics();
  });
