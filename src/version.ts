// The version comes from package.json at build time, so `--version`, dora_build_info and the
// page always agree with the release.
import pkg from "../package.json" with { type: "json" };

export const VERSION: string = pkg.version;
