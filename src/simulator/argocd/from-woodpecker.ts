// The commits a GitOps generator needs, read from a simulated Woodpecker: the successful push
// pipelines on a repo's default branch are the builds that pushed an image tagged with their
// commit, at their `finished` time. This is how the demo shows an ArgoCD-deployed repo whose
// images name the commits of the simulated Woodpecker's pushes.
import type { SimulatedWoodpecker } from "../woodpecker.ts";
import type { GitOpsRepo } from "./generate.ts";

export function gitOpsReposFrom(sim: SimulatedWoodpecker, fullNames: readonly string[]): GitOpsRepo[] {
  const out: GitOpsRepo[] = [];
  for (const fullName of fullNames) {
    const repo = sim.findRepo(fullName);
    if (!repo) throw new Error(`simulated Woodpecker has no repo ${fullName}`);
    const commits = sim
      .listPipelines(repo.id)
      .filter((p) => p.event === "push" && p.branch === repo.default_branch && p.status === "success" && p.finished > 0)
      .map((p) => ({ sha: p.commit, time: p.finished }))
      .sort((a, b) => a.time - b.time);
    out.push({ fullName: repo.full_name, commits });
  }
  return out;
}
