// The result of a parser that reports a problem instead of throwing: the problem is one line
// saying what is wrong with the text, and the caller names the setting, flag or parameter.

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const bad = (problem: string): Parsed<never> => ({ ok: false, problem });
