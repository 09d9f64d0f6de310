// `dora-exporter check`, the ArgoCD part: every app the token sees with the (repo, target) it
// maps to and why; warnings for what is likely a mistake (an app that maps to no tracked repo, a
// mapping that names an untracked repo, an `argocd_apps` block that matches no app, malformed
// apps); notes for the repos whose pushes stopped counting as deployments because an app deploys
// them (expected in GitOps, but a change the operator should see once).
import type { InvalidApp } from "../argocd/client.ts";
import type { AppMapping, AppMappingBlock } from "../argocd/mapping.ts";
import { globMatch } from "../core/glob.ts";
import { compareCodeUnits } from "../util/strings.ts";
import { textTable } from "./table.ts";

export interface ArgoCheckInput {
  readonly mappings: readonly AppMapping[];
  readonly invalid: readonly InvalidApp[];
  readonly blocks: readonly AppMappingBlock[];
  /** Repos (full name, default branch) whose pushes an app's mapping turned into builds (mode argocd-builds). */
  readonly buildsOnly: readonly { readonly fullName: string; readonly defaultBranch: string }[];
  /** Whether DORA_STATE_FILE is set: without it, what ArgoCD forgets is lost at each restart. */
  readonly stateFile: boolean;
}

export interface ArgoCheckOutput {
  readonly lines: readonly string[];
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
}

export function argocdCheck(input: ArgoCheckInput): ArgoCheckOutput {
  const mappings = [...input.mappings].sort((a, b) => compareCodeUnits(a.app, b.app));
  const lines: string[] = [""];
  const warnings: string[] = [];
  const notes: string[] = [];

  if (mappings.length === 0) {
    lines.push("ArgoCD apps: none read (check ARGOCD_APPS, ARGOCD_SELECTOR and the account's RBAC)");
    warnings.push(
      "ArgoCD: no app read; the token's account sees none, or ARGOCD_APPS / ARGOCD_SELECTOR exclude them all",
    );
  } else {
    lines.push(
      `ArgoCD apps (${mappings.length}), each mapped by the first rule that applies (config block, annotation, ` +
        `images, source URL):`,
    );
    const rows = mappings.map((m) => [m.app, m.repo, m.target, m.via, m.why]);
    lines.push(
      ...textTable(["app", "repo", "target", "mapped by", "why"], rows)
        .split("\n")
        .map((l) => "  " + l),
    );
  }

  for (const m of mappings) {
    if (m.via === "none") {
      warnings.push(
        `ArgoCD app ${m.app} maps to no tracked repo (${m.why}): it counts as repo "${m.repo}", target ` +
          `"${m.target}", with no lead time; tag its images with the commit (7 to 40 hex characters of a push), ` +
          `set the annotation dora-exporter/repo, or add an argocd_apps block`,
      );
    } else if (m.repoId === null) {
      warnings.push(
        `ArgoCD app ${m.app}: ${m.why} names repo "${m.repo}", which is not tracked (DORA_REPOS, or the ` +
          `Woodpecker token cannot see it): it counts under that name with no lead time`,
      );
    }
  }
  input.blocks.forEach((b, i) => {
    if (!mappings.some((m) => globMatch(b.apps, m.app))) {
      warnings.push(
        `argocd_apps[${i}] (apps: "${b.apps}") matches no app the token sees${
          mappings.length > 0
            ? ` \
(apps: ${names(mappings.map((m) => m.app))})`
            : ""
        }`,
      );
    }
  });
  if (input.invalid.length > 0) {
    warnings.push(
      `ArgoCD sent ${input.invalid.length} malformed app${input.invalid.length === 1 ? "" : "s"}, \
skipped: ${input.invalid
        .slice(0, 3)
        .map((x) => (x.name ? `${x.name} (${x.reason})` : x.reason))
        .join("; ")}${input.invalid.length > 3 ? "; …" : ""}`,
    );
  }
  for (const r of [...input.buildsOnly].sort((a, b) => compareCodeUnits(a.fullName, b.fullName))) {
    const apps = mappings.filter((m) => m.repo === r.fullName && m.repoId !== null).map((m) => m.app);
    notes.push(
      `${r.fullName}: its pushes${r.defaultBranch ? ` to "${r.defaultBranch}"` : ""} no longer count as ` +
        `deployments (default rule 2 withdrawn): ArgoCD ${apps.length === 1 ? "app" : "apps"} ${apps.join(", ")} ` +
        `deploy${apps.length === 1 ? "s" : ""} it`,
    );
  }
  // DEFINITIONS "ArgoCD deployments", Observation: without the durable state a restart forgets
  // the failures it saw, and check says so (a note: it is a choice, not a mistake).
  if (!input.stateFile) {
    notes.push(
      "ArgoCD without DORA_STATE_FILE: the failed syncs, degradations and history entries that ArgoCD itself " +
        "forgets (it keeps the latest operation and revisionHistoryLimit entries) are forgotten at every restart " +
        "of the exporter too; set DORA_STATE_FILE to keep them",
    );
  }
  return { lines, warnings, notes };
}

/** "a, b, c and 4 more". */
function names(list: readonly string[], limit = 5): string {
  const shown = list.slice(0, limit).join(", ");
  return list.length > limit ? `${shown} and ${list.length - limit} more` : shown;
}
