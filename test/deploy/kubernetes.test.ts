// The Kubernetes manifests as kustomize renders them (`kubectl kustomize`, Debian's kubectl):
// every object validates against the Kubernetes and prometheus-operator schemas (the
// kubernetes-models packages, whose model classes validate), and has no field those schemas do not
// know (TypeScript's excess-property check against the same packages' types), for the base and
// for the base with the kube-prometheus-stack component enabled as the kustomization says. The
// component adds `release` to the ServiceMonitor and PrometheusRule and changes nothing else.
import { describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

const ROOT = join(import.meta.dir, "..", "..");
const BASE = join(ROOT, "deploy", "kubernetes");
const KUBECTL = Bun.which("kubectl");
const INSTALL_HINT = "kubectl not found: run `sh scripts/install-test-deps.sh` (as root; CI does this)";

type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [k: string]: unknown;
};

/** The model module of an apiVersion/kind, in kubernetes-models or its prometheus-operator package. */
function modelModule(apiVersion: string, kind: string): string {
  if (apiVersion.startsWith("monitoring.coreos.com/"))
    return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

/** Validate with the model class: throws a message naming the path and the rule broken. */
async function validate(o: K8sObject): Promise<void> {
  const mod = (await import(modelModule(o.apiVersion, o.kind))) as Record<
    string,
    new (
      data: unknown,
    ) => { validate(): void }
  >;
  const Model = mod[o.kind];
  if (!Model) throw new Error(`no model for ${o.apiVersion} ${o.kind}`);
  new Model(o).validate();
}

/** Schema errors of every object: [] when all validate. */
async function schemaErrors(objects: K8sObject[]): Promise<string[]> {
  const errors: string[] = [];
  for (const o of objects) {
    try {
      await validate(o);
    } catch (e) {
      errors.push(`${o.kind}/${o.metadata.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return errors;
}

/**
 * Fields the schemas do not know (a misspelt key validates, since the compiled schemas allow extra
 * properties, but the API server's strict field validation rejects it): each object as an object
 * literal typed with the model's interface, checked by tsc. Returns tsc's complaints.
 */
function unknownFields(objects: K8sObject[]): string {
  const dir = mkdtempSync(join(ROOT, ".k8s-typecheck-"));
  try {
    const lines = objects.map((o, i) => {
      const mod = modelModule(o.apiVersion, o.kind);
      return `import type { I${o.kind} as T${i} } from "${mod}";\nexport const o${i}: T${i} \
= ${JSON.stringify(o, null, 1)};\n`;
    });
    writeFileSync(join(dir, "objects.ts"), lines.join("\n"));
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          module: "Preserve",
          moduleResolution: "bundler",
          target: "ESNext",
          types: [],
        },
        files: ["objects.ts"],
      }),
    );
    const r = Bun.spawnSync([process.execPath, "x", "tsc", "-p", join(dir, "tsconfig.json")], { cwd: ROOT });
    return (r.stdout.toString() + r.stderr.toString()).replace(/\S*\.k8s-typecheck-[^/]*\//g, "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function render(dir: string): K8sObject[] {
  if (!KUBECTL) throw new Error(INSTALL_HINT);
  const r = Bun.spawnSync([KUBECTL, "kustomize", dir]);
  if (r.exitCode !== 0) throw new Error(`kubectl kustomize ${dir}: ${r.stderr.toString()}`);
  return parseAllDocuments(r.stdout.toString()).map((d) => d.toJSON() as K8sObject);
}

/** deploy/kubernetes copied, with the component enabled by uncommenting the lines the kustomization shows. */
function withComponent(): { objects: K8sObject[]; kustomization: string } {
  const src = readFileSync(join(BASE, "kustomization.yaml"), "utf8");
  const enabled = src.replace(
    "# components:\n#   - components/kube-prometheus-stack\n",
    "components:\n  - components/kube-prometheus-stack\n",
  );
  expect(enabled).not.toBe(src); // the documented lines are there
  const dir = mkdtempSync(join(tmpdir(), "dora-kustomize-"));
  try {
    cpSync(BASE, dir, { recursive: true });
    writeFileSync(join(dir, "kustomization.yaml"), enabled);
    return { objects: render(dir), kustomization: enabled };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** deploy/kubernetes copied, with `components:` listing these (the kustomization names each one). */
function withComponents(names: readonly string[]): K8sObject[] {
  const src = readFileSync(join(BASE, "kustomization.yaml"), "utf8");
  for (const n of names) expect(src).toContain(`- components/${n}`);
  const dir = mkdtempSync(join(tmpdir(), "dora-kustomize-"));
  try {
    cpSync(BASE, dir, { recursive: true });
    writeFileSync(
      join(dir, "kustomization.yaml"),
      `${src}components:\n${names.map((n) => `  - components/${n}\n`).join("")}`,
    );
    return render(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Pod = {
  containers: {
    env: { name: string; value?: string }[];
    volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  }[];
  volumes: Record<string, any>[];
};
const deploymentOf = (objects: K8sObject[]) =>
  objects.find((o) => o.kind === "Deployment") as K8sObject & {
    spec: { strategy: unknown; replicas: number; template: { spec: Pod } };
  };
const envOf = (pod: Pod) => Object.fromEntries(pod.containers[0]!.env.map((e) => [e.name, e.value]));
/** The volume mounted at the directory of `file`. */
function volumeHolding(pod: Pod, file: string): Record<string, any> {
  const mount = pod.containers[0]!.volumeMounts.find(
    (m) => file.startsWith(m.mountPath + "/") && !file.slice(m.mountPath.length + 1).includes("/"),
  );
  expect(mount, `no volume mounted at the directory of ${file}`).toBeDefined();
  return pod.volumes.find((v) => v.name === mount!.name)!;
}

const KINDS = ["ConfigMap", "Deployment", "PrometheusRule", "Service", "ServiceMonitor"];

describe("deploy/kubernetes rendered by kubectl kustomize", () => {
  test("kubectl is installed, with a kustomize that knows components (v4 or later)", () => {
    expect(KUBECTL, INSTALL_HINT).not.toBeNull();
    const out = Bun.spawnSync([KUBECTL!, "version", "--client"]).stdout.toString();
    const major = Number(/Kustomize Version: v(\d+)\./.exec(out)?.[1] ?? 0);
    expect(
      major,
      `kubectl's kustomize is too old for components (kubectl version --client: ${out.trim()}); install a ` +
        `kubectl from 1.21 on`,
    ).toBeGreaterThanOrEqual(4);
  });

  test("the base: every object validates against the Kubernetes and prometheus-operator schemas", async () => {
    const objects = render(BASE);
    expect(objects.map((o) => o.kind).sort()).toEqual(KINDS);
    expect(await schemaErrors(objects)).toEqual([]);
  });

  test("the kube-prometheus-stack component: every object validates", async () => {
    const { objects } = withComponent();
    expect(objects.map((o) => o.kind).sort()).toEqual(KINDS);
    expect(await schemaErrors(objects)).toEqual([]);
  });

  test(
    "the component adds release: kube-prometheus-stack to " + "the ServiceMonitor and PrometheusRule, nothing else",
    () => {
      const base = render(BASE);
      const { objects } = withComponent();
      const byKind = (os: K8sObject[]) => Object.fromEntries(os.map((o) => [o.kind, o]));
      const before = byKind(base);
      const after = byKind(objects);
      for (const kind of KINDS) {
        if (kind === "ServiceMonitor" || kind === "PrometheusRule") {
          expect(after[kind]!.metadata.labels).toEqual({
            ...before[kind]!.metadata.labels,
            release: "kube-prometheus-stack",
          });
          const { labels: _a, ...restAfter } = after[kind]!.metadata;
          const { labels: _b, ...restBefore } = before[kind]!.metadata;
          expect(restAfter).toEqual(restBefore);
          // Selectors and everything else untouched.
          expect({ ...after[kind], metadata: null }).toEqual({ ...before[kind], metadata: null });
        } else {
          expect(after[kind]).toEqual(before[kind]!);
        }
      }
    },
  );

  test("secret.example.yaml validates too", async () => {
    const objects = parseAllDocuments(readFileSync(join(BASE, "secret.example.yaml"), "utf8")).map(
      (d) => d.toJSON() as K8sObject,
    );
    expect(objects.map((o) => o.kind)).toEqual(["Secret"]);
    expect(await schemaErrors(objects)).toEqual([]);
  });

  test("no object has a field the schemas do not know (base, component, Secret example)", () => {
    const secret = parseAllDocuments(readFileSync(join(BASE, "secret.example.yaml"), "utf8")).map(
      (d) => d.toJSON() as K8sObject,
    );
    expect(unknownFields([...render(BASE), ...withComponent().objects, ...secret])).toBe("");
  }, 60_000);
});

describe("the state file and ArgoCD", () => {
  test("the base: DORA_STATE_FILE in an emptyDir of its own per pod, so the rolling update never shares a file", () => {
    const d = deploymentOf(render(BASE));
    const pod = d.spec.template.spec;
    const env = envOf(pod);
    expect(env.DORA_STATE_FILE).toMatch(/^\/.+\.db$/);
    const volume = volumeHolding(pod, env.DORA_STATE_FILE!);
    expect(Object.keys(volume).sort()).toEqual(["emptyDir", "name"]);
    expect(d.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(env.ARGOCD_URL).toBeUndefined();
  });

  test(
    "persistent-state: the same file on a PVC the component creates, strategy Recreate (one pod holds the file " +
      "at a time), one replica",
    async () => {
      const objects = withComponents(["persistent-state"]);
      expect(await schemaErrors(objects)).toEqual([]);
      expect(objects.map((o) => o.kind).sort()).toEqual([...KINDS, "PersistentVolumeClaim"].sort());
      const d = deploymentOf(objects);
      const pod = d.spec.template.spec;
      const volume = volumeHolding(pod, envOf(pod).DORA_STATE_FILE!);
      expect(Object.keys(volume).sort()).toEqual(["name", "persistentVolumeClaim"]);
      const pvc = objects.find((o) => o.kind === "PersistentVolumeClaim") as any;
      expect(volume.persistentVolumeClaim.claimName).toBe(pvc.metadata.name);
      expect(pvc.spec.accessModes).toEqual(["ReadWriteOnce"]);
      expect(d.spec.strategy).toEqual({ type: "Recreate" });
      expect(d.spec.replicas).toBe(1);
      // Nothing else of the Deployment changes.
      const base = deploymentOf(render(BASE));
      const strip = (x: any) => ({
        ...x,
        spec: {
          ...x.spec,
          strategy: null,
          template: {
            ...x.spec.template,
            spec: {
              ...x.spec.template.spec,
              volumes: x.spec.template.spec.volumes.filter((v: any) => v.name !== volume.name),
            },
          },
        },
      });
      expect(strip(d)).toEqual(strip(base));
    },
  );

  test(
    "argocd: ARGOCD_URL and ARGOCD_TOKEN_FILE from the read-only mount of the Secret dora-exporter-argocd; never " +
      "a token in the env",
    async () => {
      const objects = withComponents(["argocd"]);
      expect(await schemaErrors(objects)).toEqual([]);
      const pod = deploymentOf(objects).spec.template.spec;
      const env = envOf(pod);
      expect(env.ARGOCD_URL).toMatch(/^https?:\/\//);
      expect(env.ARGOCD_TOKEN).toBeUndefined();
      const volume = volumeHolding(pod, env.ARGOCD_TOKEN_FILE!);
      expect(volume.secret).toEqual({ secretName: "dora-exporter-argocd", items: [{ key: "token", path: "token" }] });
      expect(env.ARGOCD_TOKEN_FILE).toEndWith("/token");
      expect(pod.containers[0]!.volumeMounts.find((m) => m.name === volume.name)!.readOnly).toBe(true);
      // The Woodpecker token stays where it was.
      expect(envOf(deploymentOf(render(BASE)).spec.template.spec).WOODPECKER_TOKEN_FILE).toBe(
        env.WOODPECKER_TOKEN_FILE!,
      );
    },
  );

  test("all three components together validate, with no unknown field", async () => {
    const objects = withComponents(["kube-prometheus-stack", "argocd", "persistent-state"]);
    expect(await schemaErrors(objects)).toEqual([]);
    expect(unknownFields(objects)).toBe("");
  }, 60_000);
});

describe("the checks themselves catch broken manifests", () => {
  test("a schema violation in each model family is reported with its path", async () => {
    const [deployment] = render(BASE).filter((o) => o.kind === "Deployment") as any[];
    deployment.spec.template.spec.containers[0].ports[0].containerPort = "9798";
    const [monitor] = render(BASE).filter((o) => o.kind === "ServiceMonitor") as any[];
    monitor.spec.endpoints[0].interval = "30 seconds";
    const errors = await schemaErrors([deployment, monitor]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain("containerPort must be integer");
    expect(errors[1]).toContain("interval must match pattern");
  });

  test("a misspelt field is reported", () => {
    const [service] = render(BASE).filter((o) => o.kind === "Service") as any[];
    service.spec.selectr = service.spec.selector;
    expect(unknownFields([service])).toContain("'\"selectr\"' does not exist in type 'IServiceSpec'");
  }, 60_000);
});
