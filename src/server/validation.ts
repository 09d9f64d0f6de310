// How a request that fails its valibot schema is answered: the JSON API and the page both say the
// first problem, which names the parameter, in one line.

/** One line from an Elysia validation error (the first issue's message, which names the parameter). */
export function validationMessage(error: unknown): string {
  const all = (error as { all?: { message?: string }[] }).all;
  const first = Array.isArray(all) ? all[0]?.message : undefined;
  const text = first ?? (error instanceof Error ? error.message : String(error));
  return text.split("\n")[0]!.slice(0, 300);
}
