// The hand-written fixtures (test/fixtures/<case>/: config.yml, history.json, metrics.prom; see
// its README): each history served by the simulated Woodpecker, read by the exporter's own wiring
// (createExporterCore, as the binary does it), must give exactly the DORA samples of metrics.prom.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config/load.ts";
import { createExporterCore } from "../src/exporter.ts";
import { silentLogger } from "../src/log.ts";
import { SimulatedWoodpecker, simulatorFetch, type PipelineInput, type StatusValue } from "../src/simulator/index.ts";
import { DORA_METRICS } from "./reliability/harness.ts";

const DIR = join(import.meta.dir, "fixtures");
const TOKEN = "fixture-token-0c2f";

interface FixturePipeline {
  readonly number: number;
  readonly event: string;
  readonly branch: string;
  readonly commit: string;
  readonly status: string;
  readonly created: string;
  readonly finished?: string;
  readonly parent?: number;
  readonly deploy_to?: string;
}

interface FixtureHistory {
  readonly repos: readonly {
    full_name: string;
    default_branch: string;
    allow_deploy?: boolean;
    pipelines: FixturePipeline[];
  }[];
  readonly after_first_poll?: {
    readonly rename?: Readonly<Record<string, string>>;
    readonly add?: Readonly<Record<string, FixturePipeline[]>>;
  };
}

const seconds = (rfc3339: string): number => {
  const ms = Date.parse(rfc3339);
  if (!/Z$/.test(rfc3339) || Number.isNaN(ms)) throw new Error(`not an RFC 3339 UTC time: ${rfc3339}`);
  return ms / 1000;
};

function addPipelines(sim: SimulatedWoodpecker, fullName: string, pipelines: readonly FixturePipeline[]): void {
  const repo = sim.findRepo(fullName);
  if (!repo) throw new Error(`history.json: no repo ${fullName}`);
  for (const p of pipelines) {
    const created = seconds(p.created);
    const finished = p.finished === undefined ? 0 : seconds(p.finished);
    const waiting = ["created", "pending", "blocked"].includes(p.status);
    const input: PipelineInput = {
      event: p.event as PipelineInput["event"],
      branch: p.branch,
      commit: p.commit,
      status: p.status as StatusValue,
      parent: p.parent ?? 0,
      deploy_to: p.deploy_to ?? "",
      started: waiting ? 0 : created,
      finished,
      updated: finished || created,
    };
    const added = sim.atTime(created, () => sim.addPipeline(repo.id, input));
    // The number is what Woodpecker gives (MAX+1): the fixture states it so `parent` reads plainly.
    if (added.number !== p.number) throw new Error(`history.json: ${fullName} #${p.number} would be #${added.number}`);
  }
}

/** The samples of the DORA series (labels repo, deploy_to), in exposition order, histogram buckets left out. */
function doraSamples(exposition: string): string {
  const lines = exposition.split("\n").filter((l) => {
    if (l === "" || l.startsWith("#")) return false;
    const name = l.split(/[{ ]/)[0]!;
    return !name.endsWith("_bucket") && DORA_METRICS.includes(name.replace(/_(sum|count)$/, ""));
  });
  return lines.join("\n") + "\n";
}

const cases = readdirSync(DIR).filter((name) => statSync(join(DIR, name)).isDirectory());

describe("fixtures: history in, /metrics out", () => {
  test("there are cases to run", () => {
    expect(cases.length).toBeGreaterThanOrEqual(5);
  });

  for (const name of cases) {
    test(name, async () => {
      const dir = join(DIR, name);
      const history = JSON.parse(readFileSync(join(dir, "history.json"), "utf8")) as FixtureHistory;
      const times = [
        ...history.repos.flatMap((r) => r.pipelines),
        ...Object.values(history.after_first_poll?.add ?? {}).flat(),
      ]
        .flatMap((p) => [p.created, p.finished ?? p.created])
        .map(seconds);
      const now = Math.max(...times) + 3600;
      const sim = new SimulatedWoodpecker({ token: TOKEN, now: () => now });
      for (const r of history.repos) {
        sim.addRepo({
          full_name: r.full_name,
          default_branch: r.default_branch,
          allow_deploy: r.allow_deploy ?? false,
        });
        addPipelines(sim, r.full_name, r.pipelines);
      }
      const config = loadConfig({
        WOODPECKER_URL: "http://woodpecker.fixture",
        WOODPECKER_TOKEN: TOKEN,
        DORA_CONFIG: join(dir, "config.yml"),
      });
      const core = createExporterCore(config, {
        log: silentLogger,
        now: () => now * 1000,
        fetch: simulatorFetch(sim) as typeof fetch,
      });
      expect(await core.poll()).toBe(true);
      const after = history.after_first_poll;
      if (after) {
        for (const [from, to] of Object.entries(after.rename ?? {})) sim.renameRepo(sim.findRepo(from)!.id, to);
        for (const [repo, pipelines] of Object.entries(after.add ?? {})) addPipelines(sim, repo, pipelines);
        expect(await core.poll()).toBe(true);
      }
      expect(doraSamples(await core.scrape())).toBe(readFileSync(join(dir, "metrics.prom"), "utf8"));
    });
  }
});
