// The ways to run the exporter, checked as far as this machine allows (no Docker engine, no
// Kubernetes, no systemd as PID 1): the files parse, have the hardening and wiring the docs
// promise, refer to files that exist, and the generated Kubernetes manifests embed the shipped
// rules and dashboard unchanged.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { dashboardConfigMap, prometheusRule } from "../../scripts/gen-k8s.ts";
import { BINARY, ensureBinary } from "../e2e/exporter-process.ts";

const ROOT = join(import.meta.dir, "..", "..");
const text = (p: string) => readFileSync(join(ROOT, p), "utf8");
const yamlOf = (p: string) => parse(text(p)) as any;
const INSTALL_HINT = "promtool not found: run `sh scripts/install-test-deps.sh` (as root; CI does this)";

describe("systemd unit", () => {
  /** [Section] -> key -> values (a key may repeat). */
  function unit(src: string): Record<string, Record<string, string[]>> {
    const out: Record<string, Record<string, string[]>> = {};
    let section = "";
    for (const raw of src.split("\n")) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
      const m = /^\[(.+)\]$/.exec(line);
      if (m) {
        section = m[1]!;
        out[section] ??= {};
        continue;
      }
      const i = line.indexOf("=");
      const key = line.slice(0, i);
      (out[section]![key] ??= []).push(line.slice(i + 1));
    }
    return out;
  }
  const svc = unit(text("deploy/systemd/dora-exporter.service"));
  const s = svc.Service!;

  test("is hardened: DynamicUser, token by LoadCredential, read-only system, no new privileges", () => {
    expect(s.DynamicUser).toEqual(["yes"]);
    expect(s.NoNewPrivileges).toEqual(["yes"]);
    expect(s.ProtectSystem).toEqual(["strict"]);
    expect(s.ProtectHome).toEqual(["yes"]);
    expect(s.PrivateTmp).toEqual(["yes"]);
    expect(s.CapabilityBoundingSet).toEqual([""]);
    expect(s.LoadCredential).toEqual(["woodpecker-token:/etc/dora-exporter/woodpecker-token"]);
    expect(s.Environment).toContain("WOODPECKER_TOKEN_FILE=%d/woodpecker-token");
    expect(s.EnvironmentFile).toEqual(["/etc/dora-exporter/dora-exporter.env"]);
    // Bun's JIT needs writable+executable memory.
    expect(s.MemoryDenyWriteExecute).toBeUndefined();
    expect(s.ExecStart).toEqual(["/usr/local/bin/dora-exporter"]);
    expect(svc.Install!.WantedBy).toEqual(["multi-user.target"]);
  });

  test("the env file example sets WOODPECKER_URL and never a token", () => {
    const env = text("deploy/systemd/dora-exporter.env");
    const vars = Object.fromEntries(
      env
        .split("\n")
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    expect(vars.WOODPECKER_URL).toMatch(/^https?:\/\//);
    expect(vars.WOODPECKER_TOKEN).toBeUndefined();
    expect(vars.WOODPECKER_TOKEN_FILE).toBeUndefined();
    for (const k of Object.keys(vars)) expect(k).toMatch(/^(WOODPECKER_URL|DORA_[A-Z_]+)$/);
  });

  const analyze = Bun.which("systemd-analyze");
  const verifyName = analyze ? "systemd-analyze verify reports nothing" : "systemd-analyze verify: SKIPPED, systemd-analyze is not installed";
  test.skipIf(!analyze)(verifyName, () => {
    // verify needs ExecStart to exist: point it at the built binary, everything else unchanged.
    ensureBinary();
    const dir = mkdtempSync(join(tmpdir(), "dora-systemd-"));
    try {
      const file = join(dir, "dora-exporter.service");
      writeFileSync(file, text("deploy/systemd/dora-exporter.service").replace("ExecStart=/usr/local/bin/dora-exporter", `ExecStart=${BINARY}`));
      const r = Bun.spawnSync([analyze!, "verify", file], { env: { ...process.env, SYSTEMD_LOG_COLOR: "0" } });
      expect(r.stderr.toString() + r.stdout.toString()).toBe("");
      expect(r.exitCode).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("Dockerfile", () => {
  const lines = text("Dockerfile")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const stages: string[][] = [];
  for (const l of lines) {
    if (/^FROM\s/i.test(l)) stages.push([]);
    stages.at(-1)?.push(l);
  }
  const final = stages.at(-1)!;
  const instr = (stage: string[], name: string) => stage.filter((l) => l.toUpperCase().startsWith(name + " "));

  test("compiles with the pinned Bun in a first stage and runs on a glibc base", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]![0]).toMatch(/^FROM oven\/bun:1\.4\.5 AS build$/);
    expect(stages[0]!.join("\n")).toContain("bun install --frozen-lockfile");
    expect(stages[0]!.join("\n")).toMatch(/bun build --compile .*src\/main\.ts/);
    expect(final[0]).toMatch(/^FROM (gcr\.io\/distroless\/base-debian12|debian:bookworm-slim)/);
  });

  test("runs as a non-root numeric user, exposes 9798 and has a HEALTHCHECK on /healthz", () => {
    const user = instr(final, "USER");
    expect(user.length).toBe(1);
    const uid = user[0]!.split(/\s+/)[1]!.split(":")[0]!;
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    expect(instr(final, "EXPOSE")).toEqual(["EXPOSE 9798"]);
    const hc = instr(final, "HEALTHCHECK");
    expect(hc.length).toBe(1);
    expect(hc[0]).toContain("http://127.0.0.1:9798/healthz");
    // The health check's program is copied into the final stage.
    const prog = /CMD \["([^"]+)"/.exec(hc[0]!)![1]!;
    expect(instr(final, "COPY").some((c) => c.endsWith(` ${prog}`))).toBe(true);
    expect(instr(final, "ENTRYPOINT")).toEqual(['ENTRYPOINT ["/usr/local/bin/dora-exporter"]']);
  });

  test("copies only files that exist and that .dockerignore lets through", () => {
    const ignored = text(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    for (const c of instr(stages[0]!, "COPY")) {
      const parts = c.split(/\s+/).slice(1, -1);
      for (const p of parts) {
        expect({ path: p, exists: existsSync(join(ROOT, p)) }).toEqual({ path: p, exists: true });
        expect(ignored).not.toContain(p);
      }
    }
  });
});

describe("docker compose", () => {
  const compose = yamlOf("deploy/compose/docker-compose.yml");
  const svc = compose.services["dora-exporter"];

  test("runs the exporter next to a Woodpecker server, reaching it by service name", () => {
    expect(Object.keys(compose.services)).toContain("woodpecker-server");
    expect(svc.environment.WOODPECKER_URL).toBe("http://woodpecker-server:8000");
    expect(svc.depends_on).toContain("woodpecker-server");
    expect(svc.build.context).toBe("../..");
    expect(existsSync(join(ROOT, "deploy", "compose", svc.build.context, svc.build.dockerfile))).toBe(true);
  });

  test("reads the token from a compose secret, non-root, read-only, port 9798", () => {
    expect(svc.environment.WOODPECKER_TOKEN).toBeUndefined();
    expect(svc.environment.WOODPECKER_TOKEN_FILE).toBe("/run/secrets/woodpecker_token");
    expect(svc.secrets).toEqual(["woodpecker_token"]);
    expect(compose.secrets.woodpecker_token.file).toBeDefined();
    expect(svc.ports).toContain("9798:9798");
    expect(svc.user).toBe("65532:65532");
    expect(svc.read_only).toBe(true);
    expect(svc.cap_drop).toEqual(["ALL"]);
  });
});

describe("Kubernetes manifests", () => {
  const dir = join(ROOT, "deploy", "kubernetes");
  const kustomization = yamlOf("deploy/kubernetes/kustomization.yaml");
  const files = [...(kustomization.resources as string[]), "secret.example.yaml"];
  const docs = Object.fromEntries(
    files.map((f) => {
      const all = parseAllDocuments(readFileSync(join(dir, f), "utf8"));
      for (const d of all) expect({ file: f, errors: d.errors.map(String) }).toEqual({ file: f, errors: [] });
      expect(all.length).toBe(1);
      const doc = all[0]!.toJSON();
      return [doc.kind as string, doc];
    }),
  ) as Record<string, any>;

  test("all parse, one object per file: Deployment, Service, ServiceMonitor, PrometheusRule, ConfigMap, Secret", () => {
    expect(Object.keys(docs).sort()).toEqual(["ConfigMap", "Deployment", "PrometheusRule", "Secret", "Service", "ServiceMonitor"]);
    for (const d of Object.values(docs)) {
      expect(d.apiVersion).toBeString();
      expect(d.metadata.name).toStartWith("dora-exporter");
    }
  });

  test("the Deployment: probes on /healthz and /ready, resources, non-root, read-only root, token from the Secret", () => {
    const pod = docs.Deployment.spec.template.spec;
    expect(docs.Deployment.spec.selector.matchLabels).toEqual({ "app.kubernetes.io/name": "dora-exporter" });
    const c = pod.containers[0];
    const port = c.ports.find((p: any) => p.containerPort === 9798);
    expect(port).toBeDefined();
    expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: port.name });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/ready", port: port.name });
    expect(c.resources.requests.cpu).toBeDefined();
    expect(c.resources.requests.memory).toBeDefined();
    expect(c.resources.limits.memory).toBeDefined();
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(c.securityContext.capabilities.drop).toEqual(["ALL"]);
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
    expect(env.WOODPECKER_TOKEN).toBeUndefined();
    const tokenVolume = pod.volumes.find((v: any) => v.secret);
    expect(tokenVolume.secret.secretName).toBe(docs.Secret.metadata.name);
    expect(tokenVolume.secret.items).toEqual([{ key: "token", path: "token" }]);
    expect(Object.keys(docs.Secret.stringData)).toEqual(["token"]);
    const mount = c.volumeMounts.find((m: any) => m.name === tokenVolume.name);
    expect(mount.readOnly).toBe(true);
    expect(env.WOODPECKER_TOKEN_FILE).toBe(`${mount.mountPath}/token`);
  });

  test("the Service selects the pods, the ServiceMonitor the Service's metrics port", () => {
    const podLabels = docs.Deployment.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(docs.Service.spec.selector)) expect(podLabels[k]).toBe(v);
    const port = docs.Service.spec.ports[0];
    expect(port.port).toBe(9798);
    expect(port.targetPort).toBe(docs.Deployment.spec.template.spec.containers[0].ports[0].name);
    for (const [k, v] of Object.entries(docs.ServiceMonitor.spec.selector.matchLabels)) expect(docs.Service.metadata.labels[k]).toBe(v);
    expect(docs.ServiceMonitor.spec.endpoints[0].port).toBe(port.name);
    expect(docs.ServiceMonitor.spec.endpoints[0].path).toBe("/metrics");
    // job label = Service name = what DoraExporterDown looks for
    expect(docs.Service.metadata.name).toBe("dora-exporter");
  });

  test("the PrometheusRule embeds deploy/prometheus/dora.rules.yml unchanged", () => {
    const rules = yamlOf("deploy/prometheus/dora.rules.yml");
    expect(docs.PrometheusRule.apiVersion).toBe("monitoring.coreos.com/v1");
    expect(docs.PrometheusRule.spec.groups).toEqual(rules.groups);
  });

  test("the dashboard ConfigMap is labelled grafana_dashboard: \"1\" and embeds the dashboard JSON byte for byte", () => {
    expect(docs.ConfigMap.metadata.labels.grafana_dashboard).toBe("1");
    const data = docs.ConfigMap.data as Record<string, string>;
    expect(Object.keys(data)).toEqual(["dora-dashboard.json"]);
    expect(data["dora-dashboard.json"]).toBe(text("deploy/grafana/dora-dashboard.json"));
  });

  test("scripts/gen-k8s.ts output equals the committed manifests (regenerate after editing the sources)", () => {
    expect(text("deploy/kubernetes/prometheusrule.yaml")).toBe(prometheusRule(text("deploy/prometheus/dora.rules.yml")));
    expect(text("deploy/kubernetes/grafana-dashboard-configmap.yaml")).toBe(dashboardConfigMap(text("deploy/grafana/dora-dashboard.json")));
    const r = Bun.spawnSync(["bun", join(ROOT, "scripts", "gen-k8s.ts"), "--check"], { cwd: ROOT });
    expect(r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
  }, 30_000);
});

describe("examples/prometheus.yml", () => {
  test("scrapes the exporter as job dora-exporter and loads the rules", () => {
    const cfg = yamlOf("examples/prometheus.yml");
    const job = cfg.scrape_configs.find((j: any) => j.job_name === "dora-exporter");
    expect(job.static_configs[0].targets).toEqual(["localhost:9798"]);
    expect(cfg.rule_files).toEqual(["dora.rules.yml"]);
  });

  test("promtool check config passes with the rules file next to it", () => {
    const promtool = Bun.which("promtool");
    if (!promtool) throw new Error(INSTALL_HINT);
    const dir = mkdtempSync(join(tmpdir(), "dora-example-"));
    try {
      copyFileSync(join(ROOT, "examples", "prometheus.yml"), join(dir, "prometheus.yml"));
      copyFileSync(join(ROOT, "deploy", "prometheus", "dora.rules.yml"), join(dir, "dora.rules.yml"));
      const r = Bun.spawnSync([promtool, "check", "config", join(dir, "prometheus.yml")]);
      const out = r.stdout.toString() + r.stderr.toString();
      // Every shipped rule, counted from the file (not a number to bump on each new rule).
      const shipped = (yamlOf("deploy/prometheus/dora.rules.yml").groups as { rules: unknown[] }[]).reduce((n, g) => n + g.rules.length, 0);
      expect(shipped).toBeGreaterThan(60);
      expect(out).toContain(`SUCCESS: ${shipped} rules found`);
      expect(r.exitCode).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe("GitHub workflows", () => {
  test("CI runs .ci/run in a Debian container with Node.js", () => {
    const ci = yamlOf(".github/workflows/ci.yml");
    const job = Object.values(ci.jobs)[0] as any;
    expect(job.container).toMatch(/^node:\d+-(bookworm|bullseye|trixie)/);
    expect(job.steps.some((s: any) => s.run === "bash .ci/run")).toBe(true);
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(["push", "pull_request"]));
  });

  test("release builds linux-x64 and linux-arm64 with bun build --compile, checksums them and uploads", () => {
    const rel = yamlOf(".github/workflows/release.yml");
    expect(rel.on.release.types).toEqual(["published"]);
    const steps = Object.values(rel.jobs).flatMap((j: any) => j.steps) as any[];
    const runs = steps.map((s) => s.run ?? "").join("\n");
    for (const t of ["linux-x64", "linux-arm64"]) {
      expect(runs).toMatch(new RegExp(`bun build --compile .*--target=bun-${t} src/main\\.ts --outfile out/dora-exporter-${t}`));
    }
    expect(runs).toContain("sha256sum dora-exporter-linux-x64 dora-exporter-linux-arm64 > SHA256SUMS");
    expect(runs).toMatch(/gh release upload .*dora-exporter-linux-x64 .*dora-exporter-linux-arm64 .*SHA256SUMS/);
    const bun = steps.find((s) => String(s.uses ?? "").startsWith("oven-sh/setup-bun"));
    expect(bun.with["bun-version"]).toBe(JSON.parse(text("package.json")).packageManager.split("@")[1]);
    expect(rel.permissions.contents).toBe("write");
  });
});

describe("docs", () => {
  for (const doc of ["docs/prometheus-grafana.md", "docs/running-as-a-service.md", "docs/kubernetes.md"]) {
    test(`${doc} exists and every repository path it names exists`, () => {
      const md = text(doc);
      expect(md).toStartWith("# ");
      const paths = [...md.matchAll(/`((?:deploy|examples|scripts|docs)\/[^`\s]+|Dockerfile)`/g)].map((m) => m[1]!);
      expect(paths.length).toBeGreaterThan(0);
      for (const p of paths) expect({ doc, path: p, exists: existsSync(join(ROOT, p)) }).toEqual({ doc, path: p, exists: true });
    });
  }
});
