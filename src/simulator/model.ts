// The simulator's stored records. They use the Woodpecker 3.x JSON field names on purpose: the
// stored record IS the 3.x wire shape (minus version-dependent renames done in serialize.ts), so
// there is no second mapping that could drift from swagger-v3.17.0.json.

export const WEBHOOK_EVENTS = [
  "push",
  "pull_request",
  "pull_request_closed",
  "pull_request_metadata",
  "tag",
  "release",
  "deployment",
  "cron",
  "manual",
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const STATUS_VALUES = [
  "skipped",
  "pending",
  "running",
  "success",
  "failure",
  "killed",
  "canceled",
  "error",
  "blocked",
  "declined",
  "created",
] as const;
export type StatusValue = (typeof STATUS_VALUES)[number];

/** Statuses a pipeline never leaves (finishPipeline accepts only these). */
export const TERMINAL_STATUSES: ReadonlySet<StatusValue> = new Set<StatusValue>([
  "success",
  "failure",
  "error",
  "killed",
  "canceled",
  "declined",
  "skipped",
]);

export type RepoVisibility = "public" | "private" | "internal";
export type ApprovalMode = "none" | "forks" | "pull_requests" | "all_events";

/** Every key of the spec's `Repo` definition, in the order Woodpecker's Go struct emits them. */
export interface RepoRecord {
  id: number;
  forge_id: number;
  forge_remote_id: string;
  org_id: number;
  owner: string;
  name: string;
  full_name: string;
  avatar_url: string;
  forge_url: string;
  clone_url: string;
  clone_url_ssh: string;
  default_branch: string;
  pr_enabled: boolean;
  timeout: number;
  visibility: RepoVisibility;
  private: boolean;
  trusted: { network: boolean; security: boolean; volumes: boolean };
  require_approval: ApprovalMode;
  approval_allowed_users: string[];
  active: boolean;
  allow_pr: boolean;
  allow_deploy: boolean;
  config_file: string;
  cancel_previous_pipeline_events: WebhookEvent[];
  netrc_trusted: string[];
  config_extension_endpoint: string;
  config_extension_exclusive: boolean;
  config_extension_netrc: boolean;
  registry_extension_endpoint: string;
  registry_extension_netrc: boolean;
  secret_extension_endpoint: string;
  secret_extension_netrc: boolean;
  has_forge_name_conflict: boolean;
  has_no_forge_repo: boolean;
}

/** The token user's permission on one repo (Woodpecker's `perms` table, synced from the forge). */
export interface Perm {
  pull: boolean;
  push: boolean;
  admin: boolean;
}

export interface PipelineError {
  type: "linter" | "deprecation" | "compiler" | "generic" | "bad_habit";
  message: string;
  is_warning: boolean;
  data: unknown;
}

/**
 * A stored pipeline: exactly the key set of a real 3.17 list item (pipelines-example.json).
 * Optional spec keys that Go omits when empty (`cron`, `variables`, `pr_labels`, ...) are never set.
 */
export interface PipelineRecord {
  id: number;
  number: number;
  author: string;
  parent: number;
  event: WebhookEvent;
  event_reason: string[] | null;
  status: StatusValue;
  errors: PipelineError[] | null;
  created: number;
  updated: number;
  started: number;
  finished: number;
  deploy_to: string;
  deploy_task: string;
  commit: string;
  branch: string;
  rerun_count: number;
  ref: string;
  refspec: string;
  author_avatar: string;
  forge_url: string;
  reviewed_by: string;
  reviewed: number;
  changed_files: string[] | null;
  version: string;
  title: string;
  message: string;
  timestamp: number;
  sender: string;
  author_email: string;
}

/** Fields a caller may give to addPipeline; id, number and created are always the server's. */
export type PipelineInput = Partial<Omit<PipelineRecord, "id" | "number" | "created">>;

/** Fields a caller may give to addRepo; `perm` is the token user's permission (not serialized). */
export type RepoInput = Partial<Omit<RepoRecord, "id">> & { perm?: Partial<Perm> };

export function isTerminal(status: StatusValue): boolean {
  return TERMINAL_STATUSES.has(status);
}

export function isWebhookEvent(value: string): value is WebhookEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(value);
}

export function isStatusValue(value: string): value is StatusValue {
  return (STATUS_VALUES as readonly string[]).includes(value);
}

/** md5 hex, as forges build gravatar-style avatar URLs (see pipelines-example.json). */
export function md5(text: string): string {
  return new Bun.CryptoHasher("md5").update(text).digest("hex");
}
