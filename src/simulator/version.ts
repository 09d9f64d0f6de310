// Which server version behaves how. The exporter must cope with several Woodpecker releases, so
// the simulator switches the version-dependent details that API-NOTES.md lists instead of always
// speaking the newest dialect.

export interface VersionFeatures {
  readonly version: string;
  /** 3.0 renamed `created_at`/`updated_at`/`started_at`/`finished_at`/`reviewed_at` to bare names. */
  readonly bareTimeKeys: boolean;
  /** Pipeline list filters honoured: 3.x all, 2.5–2.8 only before/after, older none (others silently ignored). */
  readonly filters: "all" | "time" | "none";
  /** `/api/user/repos` items carry `last_pipeline` since 3.1. */
  readonly lastPipeline: boolean;
  /** `rerun_count` exists since 3.15. */
  readonly rerunCount: boolean;
  /** `canceled` exists since 3.14; older servers report a pre-start cancel as `killed`. */
  readonly canceledStatus: boolean;
  /** Up to 2.4 `parent` held the parent's id, not its number. */
  readonly parentIsId: boolean;
  /** 3.x-only pipeline keys (`deploy_task`, `event_reason`). */
  readonly v3Keys: boolean;
}

function parse(version: string): [number, number, number] {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  if (!m) throw new Error(`SimulatedWoodpecker: cannot parse version "${version}"`);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

function atLeast(v: [number, number, number], major: number, minor: number): boolean {
  return v[0] > major || (v[0] === major && v[1] >= minor);
}

export function featuresOf(version: string): VersionFeatures {
  const v = parse(version);
  return {
    version,
    bareTimeKeys: atLeast(v, 3, 0),
    filters: atLeast(v, 3, 0) ? "all" : atLeast(v, 2, 5) ? "time" : "none",
    lastPipeline: atLeast(v, 3, 1),
    rerunCount: atLeast(v, 3, 15),
    canceledStatus: atLeast(v, 3, 14),
    parentIsId: !atLeast(v, 2, 5),
    v3Keys: atLeast(v, 3, 0),
  };
}
