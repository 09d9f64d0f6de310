// Liveness and readiness: /healthz answers while the process serves; /ready only once the first
// backfill is complete, so a rollout never routes scrapes to an exporter with partial counters.
import { Elysia } from "elysia";

export interface Readiness {
  /** Latched: true from the first complete backfill on. */
  ready(): boolean;
}

export const healthPlugin = (readiness: Readiness) =>
  new Elysia({ name: "health" })
    .get("/healthz", ({ set }) => {
      set.headers["cache-control"] = "no-store";
      return "ok\n";
    })
    .get("/ready", ({ set }) => {
      set.headers["cache-control"] = "no-store";
      if (readiness.ready()) return "ready\n";
      set.status = 503;
      return "backfill in progress\n";
    });
