// An in-memory Woodpecker server's state and the mutations tests and the demo drive it with: a
// plain store. Its HTTP face is composed where it is served, `faults(log(handler))` (serve.ts;
// routing in api.ts). It is deliberately independent of the exporter's own code, so a
// misunderstanding of Woodpecker in one cannot hide in the other.

import { FORGE, copyOf, newPipeline, newRepo, newUser, normaliseRoot, splitName, type UserRecord } from "./records.ts";
import { featuresOf, type VersionFeatures } from "./version.ts";
import {
  isTerminal,
  type Perm,
  type PipelineInput,
  type PipelineRecord,
  type RepoInput,
  type RepoRecord,
  type StatusValue,
} from "./model.ts";

export interface SimulatedWoodpeckerOptions {
  /** The one personal access token that authenticates; any other token acts as anonymous. */
  token: string;
  /** Whether the token's user is a server admin (`GET /api/repos` needs it). */
  admin?: boolean;
  login?: string;
  /** Default "3.17.0". "2.8.0" switches to the 2.x dialect (see version.ts). */
  version?: string;
  /** WOODPECKER_ROOT_PATH: a prefix for every route, e.g. "/ci". */
  rootPath?: string;
  /** Virtual clock in Unix seconds; defaults to real time. */
  now?: () => number;
}

export class SimulatedWoodpecker {
  readonly token: string;
  readonly features: VersionFeatures;
  readonly rootPath: string;
  readonly user: UserRecord;

  private clock: () => number;
  private nextRepoId = 1;
  private nextPipelineId = 1;
  private readonly repos = new Map<number, RepoRecord>();
  private readonly perms = new Map<number, Perm>();
  private readonly pipelines = new Map<number, Map<number, PipelineRecord>>();
  /** Old full names (lower-cased) -> repo id: Woodpecker's `redirections` table, used by lookup. */
  private readonly redirects = new Map<string, number>();
  private readonly orgIds = new Map<string, number>();

  constructor(opts: SimulatedWoodpeckerOptions) {
    this.token = opts.token;
    this.features = featuresOf(opts.version ?? "3.17.0");
    this.rootPath = normaliseRoot(opts.rootPath ?? "");
    this.clock = opts.now ?? (() => Date.now() / 1000);
    const login = opts.login ?? "jdoe";
    this.user = newUser(login, opts.admin ?? false, this.orgId(login));
  }

  /** Current simulator time, whole Unix seconds. */
  now(): number {
    return Math.floor(this.clock());
  }

  /** Replace the clock (e.g. switch a generated history over to real time). */
  setClock(now: () => number): void {
    this.clock = now;
  }

  /** Run `fn` with the clock pinned at `t`: how the generator adds pipelines "at" their creation time. */
  atTime<T>(t: number, fn: () => T): T {
    const saved = this.clock;
    this.clock = () => t;
    try {
      return fn();
    } finally {
      this.clock = saved;
    }
  }

  // ---- repos -------------------------------------------------------------------------------

  addRepo(input: RepoInput = {}): RepoRecord {
    const id = this.nextRepoId++;
    const { perm, ...fields } = input;
    const repo = newRepo(id, fields, (owner) => this.orgId(owner));
    const full = repo.full_name;
    this.repos.set(id, repo);
    this.perms.set(id, { pull: true, push: true, admin: false, ...perm });
    this.pipelines.set(id, new Map());
    this.redirects.delete(full.toLowerCase());
    return structuredClone(repo);
  }

  /** Rename (forge-side move/rename): the old name keeps resolving through lookup. */
  renameRepo(repoId: number, newFullName: string): RepoRecord {
    const repo = this.mustRepo(repoId);
    const [owner, name] = splitName(newFullName);
    this.redirects.set(repo.full_name.toLowerCase(), repoId);
    this.redirects.delete(newFullName.toLowerCase());
    Object.assign(repo, {
      owner,
      name,
      full_name: `${owner}/${name}`,
      org_id: this.orgId(owner),
      forge_url: `${FORGE}/${owner}/${name}`,
      clone_url: `${FORGE}/${owner}/${name}.git`,
      clone_url_ssh: `git@git.example.com:${owner}/${name}.git`,
    });
    return structuredClone(repo);
  }

  /**
   * Repo deletion (Woodpecker's "delete repository"): the repo, its pipelines and its permissions
   * go; its name is free, and a repo activated again under it is a new repo with a new id.
   */
  deleteRepo(repoId: number): void {
    const repo = this.mustRepo(repoId);
    this.repos.delete(repoId);
    this.perms.delete(repoId);
    this.pipelines.delete(repoId);
    for (const [name, id] of this.redirects) if (id === repoId) this.redirects.delete(name);
    this.redirects.delete(repo.full_name.toLowerCase());
  }

  /** The forge's default branch changed (Woodpecker updates the repo record from the forge). */
  setDefaultBranch(repoId: number, branch: string): void {
    this.mustRepo(repoId).default_branch = branch;
  }

  setActive(repoId: number, active: boolean): void {
    this.mustRepo(repoId).active = active;
  }

  /** The token user's forge permission on a repo (decides /api/user/repos and private access). */
  setPermission(repoId: number, perm: Partial<Perm>): void {
    this.mustRepo(repoId);
    this.perms.set(repoId, { ...this.permission(repoId), ...perm });
  }

  permission(repoId: number): Perm {
    return { ...(this.perms.get(repoId) ?? { pull: false, push: false, admin: false }) };
  }

  getRepo(repoId: number): RepoRecord | undefined {
    const r = this.repos.get(repoId);
    return r && structuredClone(r);
  }

  /** All repos in id order. */
  listRepos(): RepoRecord[] {
    return [...this.repos.values()].map((r) => structuredClone(r));
  }

  /** Case-insensitive, and old names of renamed repos still resolve (Woodpecker's redirections). */
  findRepo(fullName: string): RepoRecord | undefined {
    const key = fullName.toLowerCase();
    for (const r of this.repos.values()) if (r.full_name.toLowerCase() === key) return structuredClone(r);
    const id = this.redirects.get(key);
    return id === undefined ? undefined : this.getRepo(id);
  }

  // ---- pipelines ---------------------------------------------------------------------------

  /** A new pipeline: global id, number = MAX(number)+1 in the repo, created = the clock. */
  addPipeline(repoId: number, input: PipelineInput = {}): PipelineRecord {
    const repo = this.mustRepo(repoId);
    const list = this.pipelines.get(repoId) ?? new Map<number, PipelineRecord>();
    const created = this.now();
    if (created <= 0) throw new Error("SimulatedWoodpecker: the clock must be > 0 (created is always set)");
    const number = Math.max(0, ...list.keys()) + 1;
    const id = this.nextPipelineId++;
    const p = newPipeline({ id, number, created, repo, input, login: this.user.login, version: this.features.version });
    list.set(number, p);
    this.pipelines.set(repoId, list);
    return snapshot(p);
  }

  /**
   * Raw patch (for odd data such as clock skew). Like xorm's `updated` tag, `updated` becomes the clock unless patched.
   */
  updatePipeline(
    repoId: number,
    number: number,
    patch: Partial<Omit<PipelineRecord, "id" | "number">>,
  ): PipelineRecord {
    const p = this.mustPipeline(repoId, number);
    Object.assign(p, { updated: this.now() }, patch);
    return snapshot(p);
  }

  /** An agent picked it up: running, `started` = agent time `at` (default the clock). */
  startPipeline(repoId: number, number: number, at?: number): PipelineRecord {
    const p = this.mustPipeline(repoId, number);
    if (isTerminal(p.status) || p.status === "running") throw new Error(`startPipeline: #${number} is ${p.status}`);
    return this.updatePipeline(repoId, number, { status: "running", started: at ?? this.now() });
  }

  /**
   * End a pipeline the way the server records it. success/failure: `finished` = agent time `at`
   * (default the clock); killed/canceled/error: server time unless `at`; blocked→declined keeps
   * `finished` 0 and records the reviewer; `updated` is always the clock.
   */
  finishPipeline(repoId: number, number: number, status: StatusValue, at?: number): PipelineRecord {
    const p = this.mustPipeline(repoId, number);
    if (!isTerminal(status)) throw new Error(`finishPipeline: ${status} is not a terminal status`);
    if (isTerminal(p.status)) throw new Error(`finishPipeline: #${number} already ended as ${p.status}`);
    const end = at ?? this.now();
    switch (status) {
      case "declined":
        return this.updatePipeline(repoId, number, {
          status,
          finished: 0,
          reviewed_by: this.user.login,
          reviewed: this.now(),
        });
      case "canceled": // cancelled before an agent started it: no start time
        return this.updatePipeline(repoId, number, { status, finished: end });
      case "success":
      case "failure":
        // A pipeline cannot succeed or fail without having run: backfill a start if missing.
        return this.updatePipeline(repoId, number, { status, started: p.started || end, finished: end });
      default: // error, killed, skipped
        return this.updatePipeline(repoId, number, { status, finished: end });
    }
  }

  /** Approval of a blocked pipeline (repo `require_approval`): it becomes pending. */
  approvePipeline(repoId: number, number: number, by?: string): PipelineRecord {
    const p = this.mustPipeline(repoId, number);
    if (p.status !== "blocked") throw new Error(`approvePipeline: #${number} is ${p.status}, not blocked`);
    return this.updatePipeline(repoId, number, {
      status: "pending",
      reviewed_by: by ?? this.user.login,
      reviewed: this.now(),
    });
  }

  /** Restart: a NEW pipeline (new number, parent = old number) keeping event, deploy_to and commit. */
  restartPipeline(repoId: number, number: number): PipelineRecord {
    const src = this.mustPipeline(repoId, number);
    if (src.status === "blocked") throw new Error(`restartPipeline: cannot restart a blocked pipeline (#${number})`);
    return this.addPipeline(repoId, { ...copyOf(src), parent: src.number, rerun_count: src.rerun_count + 1 });
  }

  /** Woodpecker's "Deploy": a NEW pipeline, event=deployment, parent = source number, same commit/branch/ref. */
  deploy(repoId: number, fromNumber: number, target: string, opts: { task?: string } = {}): PipelineRecord {
    const repo = this.mustRepo(repoId);
    if (!repo.allow_deploy)
      throw new Error(`deploy: ${repo.full_name} does not allow deployments (allow_deploy=false)`);
    const src = this.mustPipeline(repoId, fromNumber);
    return this.addPipeline(repoId, {
      ...copyOf(src),
      event: "deployment",
      deploy_to: target,
      deploy_task: opts.task ?? "",
      parent: src.number,
      rerun_count: src.rerun_count + 1,
    });
  }

  /** Admin delete (or "no matching config"): the number becomes reusable if it was the highest. */
  deletePipeline(repoId: number, number: number): boolean {
    return this.pipelines.get(repoId)?.delete(number) ?? false;
  }

  /**
   * Put a pipeline record back exactly as it was (id and number included), e.g. one deleted
   * earlier: how tests show a fresh exporter the history a running one still holds.
   */
  putPipeline(repoId: number, record: PipelineRecord): void {
    this.mustRepo(repoId);
    const list = this.pipelines.get(repoId)!;
    if (list.has(record.number)) throw new Error(`putPipeline: repo ${repoId} already has #${record.number}`);
    list.set(record.number, snapshot(record));
  }

  getPipeline(repoId: number, number: number): PipelineRecord | undefined {
    const p = this.pipelines.get(repoId)?.get(number);
    return p && snapshot(p);
  }

  /** A repo's pipelines, `number DESC` like every Woodpecker list. */
  listPipelines(repoId: number): PipelineRecord[] {
    const list = [...(this.pipelines.get(repoId)?.values() ?? [])];
    return list.sort((a, b) => b.number - a.number).map(snapshot);
  }

  // ---- internals ---------------------------------------------------------------------------

  private mustRepo(repoId: number): RepoRecord {
    const r = this.repos.get(repoId);
    if (!r) throw new Error(`SimulatedWoodpecker: no repo ${repoId}`);
    return r;
  }

  private mustPipeline(repoId: number, number: number): PipelineRecord {
    this.mustRepo(repoId);
    const p = this.pipelines.get(repoId)?.get(number);
    if (!p) throw new Error(`SimulatedWoodpecker: repo ${repoId} has no pipeline #${number}`);
    return p;
  }

  private orgId(owner: string): number {
    let id = this.orgIds.get(owner);
    if (id === undefined) this.orgIds.set(owner, (id = this.orgIds.size + 1));
    return id;
  }
}

/** A copy callers may mutate without touching the server's state (arrays included). */
function snapshot(p: PipelineRecord): PipelineRecord {
  return {
    ...p,
    changed_files: p.changed_files && [...p.changed_files],
    event_reason: p.event_reason && [...p.event_reason],
    errors: p.errors === null ? null : p.errors.map((e) => ({ ...e })),
  };
}
