// The validated configuration every other layer receives. Built by `loadConfig` (load.ts) from
// the environment and the optional DORA_CONFIG file (environment wins); its fields are the rows of
// the settings table (settings.ts).
import type { CoreOptions } from "../core/model.ts";
import type { ConfigFields } from "./settings.ts";

export interface Listen {
  readonly host: string;
  readonly port: number;
}

/** Shard `index` of `count` (0 <= index < count), DORA_SHARD. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** One readonly field per setting, named as in settings.ts; `token` is a secret: never log it. */
export type Config = ConfigFields;

/** What the core needs of the configuration. */
export function coreOptions(config: Config): CoreOptions {
  return {
    failureStatuses: new Set(config.failureStatuses),
    repoRules: config.repoRules,
    since: config.since,
    reworkRules: config.reworkRules,
  };
}

/** A bad setting. `message` is one line naming the setting and the problem; exit code 2. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`${setting}: ${problem}`);
  }
}
