// Links into the Woodpecker web UI (its page layout, not its API).

/** Link to a pipeline in the Woodpecker web UI. */
export function pipelineUrl(woodpeckerUrl: string, repoId: number, number: number): string {
  return `${woodpeckerUrl.replace(/\/+$/, "")}/repos/${repoId}/pipeline/${number}`;
}

/** `pipelineUrl` bound to one server, as the summary's `pipelineLink`. */
export function pipelineLinks(woodpeckerUrl: string): (repoId: number, number: number) => string {
  return (repoId, number) => pipelineUrl(woodpeckerUrl, repoId, number);
}
