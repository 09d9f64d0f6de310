// Logs: one JSON object per line on stderr, with a level. Every line passes through the
// redactor so a secret handed to `setSecrets` can never reach the log, whatever a caller formats.
import { MIN_SECRET_LENGTH, redact as redactSecrets } from "./util/redact.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

interface LoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
  now?: () => Date;
}

let secrets: string[] = [];

/** Register values (the Woodpecker token) that must never be printed. */
export function setSecrets(values: readonly string[]): void {
  secrets = values.filter((v) => v.length >= MIN_SECRET_LENGTH);
}

/**
 * Replace every registered secret in `text`, raw or JSON-escaped (a log line is JSON); used by
 * the logger and by error lines. The same redactor as configuration errors (util/redact.ts).
 */
export function redact(text: string): string {
  return redactSecrets(text, secrets);
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = ORDER[opts.level ?? "info"];
  const write = opts.write ?? ((line: string) => process.stderr.write(line + "\n"));
  const now = opts.now ?? (() => new Date());
  const emit = (level: LogLevel, msg: string, fields?: Fields) => {
    if (ORDER[level] < min) return;
    const record = { time: now().toISOString(), level, msg, ...fields };
    write(redact(JSON.stringify(record, errorReplacer)));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}

/** A logger that drops everything (tests: what is logged is not what they check). */
export const silentLogger: Logger = createLogger({ write: () => {} });
