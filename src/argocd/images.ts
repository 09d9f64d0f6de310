// Which commits an image reference may name, for the automatic join of ArgoCD apps to Woodpecker
// repos (docs/DEFINITIONS.md, "Mapping"): the tag is the part after the last `:` of the last path
// segment (a registry port is not a tag), a digest (`@sha256:…`) is no tag, and in the tag every
// maximal run of 7 to 40 hexadecimal characters is a candidate: a commit or a prefix of one.

const HEX_RUN = /[0-9a-fA-F]+/g;

/** The tag of an image reference (`registry:5000/acme/api:3f2a9c1@sha256:…` -> `3f2a9c1`), or "" without one. */
export function imageTag(image: string): string {
  const at = image.indexOf("@");
  const ref = at >= 0 ? image.slice(0, at) : image;
  const lastSegment = ref.slice(ref.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  return colon >= 0 ? lastSegment.slice(colon + 1) : "";
}

/**
 * Every maximal run of 7-40 hex characters in the image's tag, lower-cased, in order, without
 * repeats. A longer run (a 64-digit digest used as a tag) names no commit and is not cut down.
 */
export function commitCandidates(image: string): string[] {
  const out: string[] = [];
  for (const m of imageTag(image).matchAll(HEX_RUN)) {
    const run = m[0].toLowerCase();
    if (run.length >= 7 && run.length <= 40 && !out.includes(run)) out.push(run);
  }
  return out;
}

/** Whether `candidate` (from `commitCandidates`) names `commit`: equal to it or a prefix of it. */
export function namesCommit(candidate: string, commit: string): boolean {
  return commit.toLowerCase().startsWith(candidate);
}
