// The HTTP server: small named plugins composed into one Elysia app.
import { Elysia } from "elysia";
import type { Registry } from "prom-client";
import { apiPlugin } from "./plugins/api.ts";
import { healthPlugin, type Readiness } from "./plugins/health.ts";
import { methodGuardPlugin } from "./plugins/method-guard.ts";
import { metricsPlugin } from "./plugins/metrics.ts";
import { OPENAPI_JSON, apiDocsPlugin, openapiPlugin } from "./plugins/openapi.ts";
import { pagePlugin } from "./plugins/page.ts";
import type { ExporterView } from "./view.ts";

export interface AppDeps {
  readonly registry: Registry;
  readonly readiness: Readiness;
  readonly view: () => ExporterView;
}

export function createApp(deps: AppDeps) {
  const app = new Elysia({ name: "dora-exporter" })
    .use(methodGuardPlugin())
    .use(openapiPlugin())
    .use(metricsPlugin(deps.registry))
    .use(healthPlugin(deps.readiness))
    .use(apiPlugin(deps.view))
    .use(pagePlugin(deps.view));
  // The docs page reads the same document /openapi/json serves.
  return app.use(apiDocsPlugin(async () => (await app.handle(new Request(`http://localhost${OPENAPI_JSON}`))).json()));
}
