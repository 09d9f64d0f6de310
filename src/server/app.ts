// The HTTP server: small named plugins composed into one Elysia app.
import { Elysia } from "elysia";
import type { Registry } from "prom-client";
import { apiPlugin } from "./plugins/api.ts";
import { basicAuthPlugin } from "./plugins/basic-auth.ts";
import { healthPlugin, type Readiness } from "./plugins/health.ts";
import { methodGuardPlugin } from "./plugins/method-guard.ts";
import { metricsPlugin } from "./plugins/metrics.ts";
import { OPENAPI_JSON, apiDocsPlugin, openapiPlugin } from "./plugins/openapi.ts";
import { pagePlugin } from "./plugins/page.ts";
import type { ExporterView } from "./view.ts";

export interface AppDeps {
  /** basic_auth_users of DORA_WEB_CONFIG; absent or empty: no authentication. */
  readonly users?: Readonly<Record<string, string>>;
  readonly registry: Registry;
  readonly readiness: Readiness;
  readonly view: () => ExporterView;
}

export function createApp(deps: AppDeps) {
  const users = deps.users ?? {};
  // Authentication first: not even a 405 or a 404 before it.
  const app = new Elysia({ name: "dora-exporter" })
    .use(Object.keys(users).length > 0 ? basicAuthPlugin(users) : new Elysia({ name: "no-auth" }))
    .use(methodGuardPlugin())
    .use(openapiPlugin())
    .use(metricsPlugin(deps.registry))
    .use(healthPlugin(deps.readiness))
    .use(apiPlugin(deps.view))
    .use(pagePlugin(deps.view));
  // The docs page reads the same document /openapi/json serves, with the caller's credentials.
  return app.use(
    apiDocsPlugin(async (authorization) =>
      (
        await app.handle(
          new Request(`http://localhost${OPENAPI_JSON}`, { headers: authorization ? { authorization } : {} }),
        )
      ).json(),
    ),
  );
}
