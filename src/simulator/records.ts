// Factories for stored records with the defaults a real server would fill in. Kept apart from
// woodpecker.ts so the server logic reads as behaviour, and so every default lives in one place
// where swagger.test.ts can hold it to the spec.

import { md5, type PipelineInput, type PipelineRecord, type RepoInput, type RepoRecord } from "./model.ts";
import { hashHex } from "./prng.ts";

/** The simulated forge (Gitea/Forgejo-like, as in pipelines-example.json). */
export const FORGE = "https://git.example.com";

export interface UserRecord {
  id: number;
  forge_id: number;
  forge_remote_id: string;
  login: string;
  email: string;
  avatar_url: string;
  admin: boolean;
  admin_env: boolean;
  org_id: number;
}

export function newUser(login: string, admin: boolean, orgId: number): UserRecord {
  return {
    id: 1,
    forge_id: 1,
    forge_remote_id: "1001",
    login,
    email: `${login}@example.com`,
    avatar_url: `${FORGE}/avatars/${md5(login)}`,
    admin,
    admin_env: false,
    org_id: orgId,
  };
}

export function newRepo(id: number, input: Omit<RepoInput, "perm">, orgId: (owner: string) => number): RepoRecord {
  const [owner, name] = input.full_name
    ? splitName(input.full_name)
    : [input.owner ?? "acme", input.name ?? `repo-${id}`];
  const full = `${owner}/${name}`;
  const visibility = input.visibility ?? (input.private ? "private" : "public");
  const repo: RepoRecord = {
    id,
    forge_id: 1,
    forge_remote_id: String(1000 + id),
    org_id: orgId(owner),
    owner,
    name,
    full_name: full,
    avatar_url: `${FORGE}/repo-avatars/${md5(full)}`,
    forge_url: `${FORGE}/${full}`,
    clone_url: `${FORGE}/${full}.git`,
    clone_url_ssh: `git@git.example.com:${full}.git`,
    default_branch: "main",
    pr_enabled: true,
    timeout: 60,
    visibility,
    private: visibility !== "public", // Woodpecker: IsSCMPrivate = not public
    trusted: { network: false, security: false, volumes: false },
    require_approval: "forks",
    approval_allowed_users: [],
    active: true,
    allow_pr: true,
    allow_deploy: false,
    config_file: "",
    cancel_previous_pipeline_events: [],
    netrc_trusted: [],
    config_extension_endpoint: "",
    config_extension_exclusive: false,
    config_extension_netrc: false,
    registry_extension_endpoint: "",
    registry_extension_netrc: false,
    secret_extension_endpoint: "",
    secret_extension_netrc: false,
    has_forge_name_conflict: false,
    has_no_forge_repo: false,
    ...input,
  };
  return Object.assign(repo, { owner, name, full_name: full }); // derived names win over inconsistent input
}

export interface NewPipeline {
  id: number;
  number: number;
  created: number;
  repo: RepoRecord;
  input: PipelineInput;
  /** The token user: who "triggered" a pipeline when the input names no author. */
  login: string;
  version: string;
}

export function newPipeline({ id, number, created, repo, input, login, version }: NewPipeline): PipelineRecord {
  const event = input.event ?? "push";
  const branch = input.branch ?? repo.default_branch;
  const commit = input.commit ?? hashHex(`commit:${repo.id}:${id}`, 40);
  const author = input.author ?? login;
  return {
    id,
    number,
    author,
    parent: 0,
    event,
    event_reason: null,
    status: "pending",
    errors: null,
    created,
    updated: created,
    started: 0,
    finished: 0,
    deploy_to: "",
    deploy_task: "",
    commit,
    branch,
    rerun_count: 0,
    ref: defaultRef(event, branch, number),
    refspec: "",
    author_avatar: author ? `${FORGE}/avatars/${md5(author)}` : "",
    forge_url: `${repo.forge_url}/commit/${commit}`,
    reviewed_by: "",
    reviewed: 0,
    changed_files: [],
    version,
    title: "",
    message: `chore: update ${branch}\n`,
    timestamp: created,
    sender: author,
    author_email: author ? `${author}@example.com` : "",
    ...input,
  };
}

/** The fields a restart/deploy copies from its source pipeline (status, times, review and parent are fresh). */
export function copyOf(src: PipelineRecord): PipelineInput {
  const {
    id: _i,
    number: _n,
    created: _c,
    updated: _u,
    started: _s,
    finished: _f,
    status: _st,
    reviewed_by: _rb,
    reviewed: _r,
    errors: _e,
    parent: _p,
    version: _v,
    ...rest
  } = src;
  return { ...rest, changed_files: src.changed_files && [...src.changed_files] };
}

function defaultRef(event: string, branch: string, number: number): string {
  if (event === "pull_request" || event === "pull_request_closed" || event === "pull_request_metadata")
    return `refs/pull/${number}/head`;
  if (event === "tag" || event === "release") return `refs/tags/v0.${number}.0`;
  return `refs/heads/${branch}`;
}

/** "owner/name"; GitLab subgroups put more slashes in the owner part. */
export function splitName(fullName: string): [string, string] {
  const i = fullName.lastIndexOf("/");
  if (i <= 0 || i === fullName.length - 1) throw new Error(`SimulatedWoodpecker: bad repo full name "${fullName}"`);
  return [fullName.slice(0, i), fullName.slice(i + 1)];
}

/** "ci/" or "/ci" -> "/ci"; "" or "/" -> "". */
export function normaliseRoot(root: string): string {
  const trimmed = root.replace(/\/+$/, "");
  return trimmed === "" ? "" : trimmed.startsWith("/") ? trimmed : `/${trimmed}`;
}
