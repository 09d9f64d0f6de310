// GET /metrics: the Prometheus exposition. Rendering reads values set at poll time; nothing
// here touches Woodpecker.
import { Elysia } from "elysia";
import type { Registry } from "prom-client";

export const metricsPlugin = (registry: Registry) =>
  new Elysia({ name: "metrics" }).get("/metrics", async ({ set }) => {
    set.headers["content-type"] = registry.contentType;
    set.headers["cache-control"] = "no-store";
    return await registry.metrics();
  });
