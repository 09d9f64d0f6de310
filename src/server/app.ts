// The HTTP server: small named plugins composed into one Elysia app.
import { Elysia } from "elysia";
import type { Registry } from "prom-client";
import { healthPlugin, type Readiness } from "./plugins/health.ts";
import { landingPlugin } from "./plugins/landing.ts";
import { metricsPlugin } from "./plugins/metrics.ts";
import type { ExporterView } from "./view.ts";

export interface AppDeps {
  readonly registry: Registry;
  readonly readiness: Readiness;
  readonly view: () => ExporterView;
}

export function createApp(deps: AppDeps) {
  return new Elysia({ name: "dora-exporter" })
    .use(metricsPlugin(deps.registry))
    .use(healthPlugin(deps.readiness))
    .use(landingPlugin(deps.view));
}
