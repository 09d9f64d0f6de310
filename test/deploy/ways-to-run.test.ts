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

  test(
    "keeps the state file in its StateDirectory (writable under ProtectSystem=strict, kept across restarts); " +
      "ArgoCD token only as a credential",
    () => {
      expect(s.StateDirectory).toEqual(["dora-exporter"]);
      // %S is /var/lib for a system unit; with DynamicUser the directory belongs to the service's user.
      expect(s.Environment).toContain("DORA_STATE_FILE=%S/dora-exporter/state.db");
      expect(s.ReadWritePaths).toBeUndefined();
      const src = text("deploy/systemd/dora-exporter.service");
      expect(src).toContain("# LoadCredential=argocd-token:/etc/dora-exporter/argocd-token");
      expect(src).toContain("# Environment=ARGOCD_TOKEN_FILE=%d/argocd-token");
      expect(src).not.toMatch(/ARGOCD_TOKEN=/);
    },
  );

  test("Documentation= is the project's README, installed there by the documented steps", () => {
    const docs = svc.Unit!.Documentation!;
    expect(docs).toHaveLength(1);
    const m = /^file:(\/.+\/README\.md)$/.exec(docs[0]!);
    expect(m).not.toBeNull();
    const install = `install -D -m 0644 README.md ${m![1]}`;
    expect(text("deploy/systemd/dora-exporter.service")).toContain(install);
    expect(text("docs/running-as-a-service.md")).toContain(install);
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
    expect(env).not.toMatch(/ARGOCD_TOKEN/);
    for (const k of Object.keys(vars)) expect(k).toMatch(/^(WOODPECKER_URL|DORA_[A-Z_]+)$/);
  });

  const analyze = Bun.which("systemd-analyze");
  const verifyName = analyze
    ? "systemd-analyze verify reports nothing"
    : "systemd-analyze verify: SKIPPED, systemd-analyze is not installed";
  test.skipIf(!analyze)(
    verifyName,
    () => {
      // verify needs ExecStart to exist: point it at the built binary, everything else unchanged.
      ensureBinary();
      const dir = mkdtempSync(join(tmpdir(), "dora-systemd-"));
      try {
        const file = join(dir, "dora-exporter.service");
        writeFileSync(
          file,
          text("deploy/systemd/dora-exporter.service").replace(
            "ExecStart=/usr/local/bin/dora-exporter",
            `ExecStart=${BINARY}`,
          ),
        );
        const r = Bun.spawnSync([analyze!, "verify", file], { env: { ...process.env, SYSTEMD_LOG_COLOR: "0" } });
        expect(r.stderr.toString() + r.stdout.toString()).toBe("");
        expect(r.exitCode).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
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
    expect(stages[0]![0]).toMatch(/^FROM (--platform=\$BUILDPLATFORM )?oven\/bun:1\.4\.5 AS build$/);
    expect(stages[0]!.join("\n")).toContain("bun install --frozen-lockfile");
    expect(stages[0]!.join("\n")).toMatch(/bun build --compile .*src\/main\.ts/);
    expect(final[0]).toMatch(/^FROM (gcr\.io\/distroless\/base-debian12|debian:bookworm-slim)/);
  });

  test(
    "builds multi-arch: compiles on the build platform for " +
      "TARGETARCH amd64 (x64) and arm64, no RUN in later stages",
    () => {
      expect(stages[0]![0]).toStartWith("FROM --platform=$BUILDPLATFORM ");
      expect(instr(stages[0]!, "ARG")).toContain("ARG TARGETARCH");
      const build = instr(stages[0]!, "RUN").find((r) => r.includes("bun build --compile"))!;
      expect(build).toContain("amd64) target=bun-linux-x64");
      expect(build).toContain("arm64) target=bun-linux-arm64");
      expect(build).toContain('--target="$target"');
      // The later stages only copy: nothing runs under emulation for a foreign platform.
      for (const stage of stages.slice(1)) expect(instr(stage, "RUN")).toEqual([]);
    },
  );

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

  test("keeps the state file in a named volume at the directory the image gives its user", () => {
    const file = svc.environment.DORA_STATE_FILE as string;
    const dir = file.slice(0, file.lastIndexOf("/"));
    expect(svc.volumes).toEqual([`dora-exporter-state:${dir}`]);
    expect(Object.keys(compose.volumes)).toContain("dora-exporter-state");
    // A new named volume takes the owner of the image's directory: the image creates it for 65532.
    expect(text("Dockerfile")).toContain(`COPY --from=build --chown=${svc.user} /out/state/ ${dir}/`);
    expect(svc.environment.ARGOCD_TOKEN).toBeUndefined();
  });
});

describe("token files", () => {
  const sources = [
    "README.md",
    "docs/running-as-a-service.md",
    "deploy/compose/docker-compose.yml",
    "deploy/systemd/dora-exporter.service",
  ];
  /** Every line of a doc or file that writes the Woodpecker token to a file. */
  const writes = sources.flatMap((f) =>
    text(f)
      .split("\n")
      .filter((l) => /printf '%s' "\$WOODPECKER_TOKEN"|<<< "\$TOKEN"|generate-token .*\| *(sudo )?install /.test(l))
      .map((line) => ({ f, line: line.replace(/^#\s*/, "") })),
  );

  test("are written by install with a mode for the owner alone, never made world-readable", () => {
    expect(writes.length).toBeGreaterThanOrEqual(4);
    for (const { f, line } of writes) {
      const mode = /install (?:-[og] \S+ )*-m (0[0-7]{3})/.exec(line)?.[1];
      expect({ f, line, mode }).toEqual({ f, line, mode: expect.stringMatching(/^0[46]00$/) });
    }
    for (const f of sources)
      expect({ f, chmod: /chmod 0?[0-7][0-7][4-7]|chmod (a|o)\+r/.test(text(f)) }).toEqual({ f, chmod: false });
  });

  test("for a container, belong to the image's user (compose mounts the host file as it is)", () => {
    const user = yamlOf("deploy/compose/docker-compose.yml").services["dora-exporter"].user as string;
    const [uid, gid] = user.split(":");
    const container = writes.filter(({ line }) => !line.includes("/etc/dora-exporter"));
    expect(container.length).toBeGreaterThanOrEqual(3);
    for (const { f, line } of container)
      expect({ f, line, owner: line.includes(`install -o ${uid} -g ${gid} -m 0400 `) }).toEqual({
        f,
        line,
        owner: true,
      });
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
    expect(Object.keys(docs).sort()).toEqual([
      "ConfigMap",
      "Deployment",
      "PrometheusRule",
      "Secret",
      "Service",
      "ServiceMonitor",
    ]);
    for (const d of Object.values(docs)) {
      expect(d.apiVersion).toBeString();
      expect(d.metadata.name).toStartWith("dora-exporter");
    }
  });

  test(
    "the Deployment: probes on /healthz and /ready, " + "resources, non-root, read-only root, token from the Secret",
    () => {
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
    },
  );

  test("readiness holds the rollout; nothing claims Prometheus scrapes ready pods only (it scrapes them all)", () => {
    expect(docs.Deployment.spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    // No relabeling drops not-ready endpoints: DoraBackfillNotComplete must see a pod that never gets ready.
    for (const e of docs.ServiceMonitor.spec.endpoints)
      expect(JSON.stringify(e.relabelings ?? [])).not.toContain("ready");
    expect(text("deploy/prometheus/dora.rules.yml")).toContain("alert: DoraBackfillNotComplete");
    for (const f of ["deploy/kubernetes/deployment.yaml", "docs/kubernetes.md", "README.md"]) {
      const flat = text(f).replace(/\s*\n\s*#?\s*/g, " ");
      expect({
        f,
        claim: /scrapes? ready endpoints only|only scrapes? ready|never (scrapes|sees) partial/i.test(flat),
      }).toEqual({ f, claim: false });
    }
  });

  test("the Service selects the pods, the ServiceMonitor the Service's metrics port", () => {
    const podLabels = docs.Deployment.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(docs.Service.spec.selector)) expect(podLabels[k]).toBe(v);
    const port = docs.Service.spec.ports[0];
    expect(port.port).toBe(9798);
    expect(port.targetPort).toBe(docs.Deployment.spec.template.spec.containers[0].ports[0].name);
    for (const [k, v] of Object.entries(docs.ServiceMonitor.spec.selector.matchLabels))
      expect(docs.Service.metadata.labels[k]).toBe(v);
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

  test('the dashboard ConfigMap is labelled grafana_dashboard: "1" and embeds the dashboard JSON byte for byte', () => {
    expect(docs.ConfigMap.metadata.labels.grafana_dashboard).toBe("1");
    const data = docs.ConfigMap.data as Record<string, string>;
    expect(Object.keys(data)).toEqual(["dora-dashboard.json"]);
    expect(data["dora-dashboard.json"]).toBe(text("deploy/grafana/dora-dashboard.json"));
  });

  test("scripts/gen-k8s.ts output equals the committed manifests (regenerate after editing the sources)", () => {
    expect(text("deploy/kubernetes/prometheusrule.yaml")).toBe(
      prometheusRule(text("deploy/prometheus/dora.rules.yml")),
    );
    expect(text("deploy/kubernetes/grafana-dashboard-configmap.yaml")).toBe(
      dashboardConfigMap(text("deploy/grafana/dora-dashboard.json")),
    );
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
      const shipped = (yamlOf("deploy/prometheus/dora.rules.yml").groups as { rules: unknown[] }[]).reduce(
        (n, g) => n + g.rules.length,
        0,
      );
      expect(shipped).toBeGreaterThan(60);
      expect(out).toContain(`SUCCESS: ${shipped} rules found`);
      expect(r.exitCode).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe("adding the exporter to an existing Prometheus (README, docs/prometheus-grafana.md)", () => {
  /** The first sh block after `heading` in `doc`. */
  const block = (doc: string, heading: string) => {
    const md = text(doc);
    const at = md.indexOf(heading);
    expect(at).toBeGreaterThanOrEqual(0);
    return /```sh\n([\s\S]*?)```/
      .exec(md.slice(at))![1]!
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "");
  };
  const snippet = yamlOf("examples/dora-exporter.scrape.yml");
  const EXISTING = [
    "global:",
    "  scrape_interval: 15s",
    "rule_files:",
    "  - node.rules.yml",
    "scrape_configs:",
    "  - job_name: node",
    "    static_configs:",
    '      - targets: ["localhost:9100"]',
    "",
  ].join("\n");

  for (const [doc, heading] of [
    ["README.md", "## Prometheus and Grafana"],
    ["docs/prometheus-grafana.md", "## Shortest path"],
  ] as const) {
    test(`${doc}: the step never replaces prometheus.yml; ` +
      `after the documented edit promtool check config passes`, () => {
      const promtool = Bun.which("promtool");
      if (!promtool) throw new Error(INSTALL_HINT);
      const lines = block(doc, heading);
      const found = lines.findIndex((l) => l.startsWith("#") && l.includes("prometheus.yml"));
      const edit = found < 0 ? lines.length : found;
      const dir = mkdtempSync(join(tmpdir(), "dora-existing-prom-"));
      const run = (l: string) => {
        for (const part of l.split("&&").map((c) => c.trim())) {
          if (/^(systemctl|kill) /.test(part)) continue; // the reload of a real Prometheus
          const r = Bun.spawnSync(["sh", "-c", part.replaceAll("/etc/prometheus", dir)], { cwd: ROOT });
          expect({ part, out: r.stdout.toString() + r.stderr.toString(), code: r.exitCode }).toMatchObject({
            part,
            code: 0,
          });
        }
      };
      try {
        writeFileSync(join(dir, "prometheus.yml"), EXISTING);
        writeFileSync(
          join(dir, "node.rules.yml"),
          'groups:\n  - name: node\n    rules:\n      - record: node:up:sum\n        expr: sum(up{job="node"})\n',
        );
        for (const l of lines.slice(0, edit)) run(l);
        expect(readFileSync(join(dir, "prometheus.yml"), "utf8")).toBe(EXISTING);
        expect(found).toBeGreaterThan(0);
        expect(readFileSync(join(dir, "dora.rules.yml"), "utf8")).toBe(text("deploy/prometheus/dora.rules.yml"));
        // The edit the comment describes.
        const cfg = parse(EXISTING);
        cfg.rule_files.push("dora.rules.yml");
        cfg.scrape_configs.push(...snippet.scrape_configs);
        writeFileSync(join(dir, "prometheus.yml"), JSON.stringify(cfg));
        for (const l of lines.slice(edit).filter((x) => !x.startsWith("#"))) run(l);
        const r = Bun.spawnSync([promtool, "check", "config", join(dir, "prometheus.yml")]);
        const out = r.stdout.toString() + r.stderr.toString();
        const doraRules = (yamlOf("deploy/prometheus/dora.rules.yml").groups as { rules: unknown[] }[]).reduce(
          (n, g) => n + g.rules.length,
          0,
        );
        expect(out).toContain("SUCCESS: 2 rule files found");
        expect(out).toContain(`dora.rules.yml\n  SUCCESS: ${doraRules} rules found`);
        expect(r.exitCode).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 30_000);
  }

  test("examples/dora-exporter.scrape.yml holds exactly the job of examples/prometheus.yml", () => {
    expect(Object.keys(snippet)).toEqual(["scrape_configs"]);
    expect(snippet.scrape_configs).toEqual(yamlOf("examples/prometheus.yml").scrape_configs);
  });
});

describe("GitHub workflows", () => {
  test("CI runs .ci/run in a Debian container with Node.js", () => {
    const ci = yamlOf(".github/workflows/ci.yml");
    const job = Object.values(ci.jobs)[0] as any;
    expect(job.container).toMatch(/^node:\d+-(bookworm|bullseye|trixie)/);
    expect(job.steps.some((s: any) => s.run === "bash .ci/run")).toBe(true);
    // A kubectl whose kustomize renders components (test/deploy/kubernetes.test.ts), before .ci/run.
    const kubectl = job.steps.findIndex((s: any) => String(s.uses ?? "").startsWith("azure/setup-kubectl@"));
    expect(kubectl).toBeGreaterThanOrEqual(0);
    expect(kubectl).toBeLessThan(job.steps.findIndex((s: any) => s.run === "bash .ci/run"));
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(["push", "pull_request"]));
  });

  const rel = yamlOf(".github/workflows/release.yml");
  const stepsOf = (job: string) => rel.jobs[job].steps as any[];
  const runs = (job: string) =>
    stepsOf(job)
      .map((s) => s.run ?? "")
      .join("\n");
  /** The files the release job attaches to the GitHub release. */
  const attached = () => {
    const cmd = runs("release").replace(/\s+/g, " ");
    expect(cmd).toContain('gh release create "${GITHUB_REF_NAME}"');
    return [...cmd.matchAll(/out\/(\S+)/g)].map((m) => m[1]!);
  };

  test("release runs on a pushed v* tag; the tag must match package.json's version", () => {
    expect(rel.on).toEqual({ push: { tags: ["v*"] } });
    expect(runs("binaries")).toContain('test "${GITHUB_REF_NAME}" = "v$(bun -e');
    expect(rel.jobs.release.needs).toEqual(["binaries", "image"]);
    expect(rel.jobs.release.permissions.contents).toBe("write");
    expect(rel.jobs.image.permissions.packages).toBe("write");
  });

  test("release builds linux-x64 and linux-arm64 with bun build --compile, checksums them and attaches them", () => {
    for (const t of ["linux-x64", "linux-arm64"]) {
      expect(runs("binaries")).toMatch(
        new RegExp(`bun build --compile .*--target=bun-${t} src/main\\.ts --outfile out/dora-exporter-${t}`),
      );
    }
    expect(runs("binaries")).toContain("sha256sum dora-exporter-linux-x64 dora-exporter-linux-arm64 > SHA256SUMS");
    expect(attached()).toEqual(["dora-exporter-linux-x64", "dora-exporter-linux-arm64", "SHA256SUMS"]);
    const bun = stepsOf("binaries").find((s) => String(s.uses ?? "").startsWith("oven-sh/setup-bun"));
    expect(bun.with["bun-version"]).toBe(JSON.parse(text("package.json")).packageManager.split("@")[1]);
  });

  test("release pushes a linux/amd64 + linux/arm64 image to ghcr.io with docker buildx", () => {
    const uses = stepsOf("image").map((s) => String(s.uses ?? ""));
    expect(uses.some((u) => u.startsWith("docker/setup-buildx-action@"))).toBe(true);
    expect(stepsOf("image").find((s) => String(s.uses ?? "").startsWith("docker/login-action@")).with.registry).toBe(
      "ghcr.io",
    );
    const push = stepsOf("image").find((s) => String(s.uses ?? "").startsWith("docker/build-push-action@")).with;
    expect(push.platforms).toBe("linux/amd64,linux/arm64");
    expect(push.push).toBe(true);
    expect(push.file).toBe("Dockerfile");
    expect(runs("image")).toContain('echo "IMAGE=ghcr.io/${GITHUB_REPOSITORY_OWNER,,}/dora-exporter" >> "$GITHUB_ENV"');
    expect(push.tags.trim().split("\n")).toEqual(["${{ env.IMAGE }}:${{ env.VERSION }}", "${{ env.IMAGE }}:latest"]);
  });

  test("the docs name exactly the published artifacts: the attached binaries and the ghcr.io image", () => {
    const docs = [
      "README.md",
      ...["kubernetes.md", "running-as-a-service.md", "prometheus-grafana.md"].map((f) => `docs/${f}`),
    ];
    const deploy = ["deploy/systemd/dora-exporter.service", "deploy/kubernetes/deployment.yaml", "Dockerfile"];
    const all = [...docs, ...deploy].map((f) => text(f)).join("\n");
    const binaries = attached().filter((f) => f !== "SHA256SUMS");
    const named = new Set([...all.matchAll(/dora-exporter-linux-[\w-]+/g)].map((m) => m[0]));
    expect([...named].sort()).toEqual([...binaries].sort());
    for (const b of binaries) expect(text("README.md")).toContain(`\`${b}\``);
    expect(text("README.md")).toContain("`SHA256SUMS`");
    // One image name everywhere: the workflow's ghcr.io/<owner>/dora-exporter, owner written OWNER.
    const images = new Set([...all.matchAll(/ghcr\.io\/[^\s`:]+/g)].map((m) => m[0]));
    expect([...images]).toEqual(["ghcr.io/OWNER/dora-exporter"]);
    expect(text("README.md")).toContain("`ghcr.io/OWNER/dora-exporter:X.Y.Z`");
  });
});

describe("docs", () => {
  for (const doc of ["docs/prometheus-grafana.md", "docs/running-as-a-service.md", "docs/kubernetes.md"]) {
    test(`${doc} exists and every repository path it names exists`, () => {
      const md = text(doc);
      expect(md).toStartWith("# ");
      const paths = [...md.matchAll(/`((?:deploy|examples|scripts|docs)\/[^`\s]+|Dockerfile)`/g)].map((m) => m[1]!);
      expect(paths.length).toBeGreaterThan(0);
      for (const p of paths)
        expect({ doc, path: p, exists: existsSync(join(ROOT, p)) }).toEqual({ doc, path: p, exists: true });
    });
  }
});
