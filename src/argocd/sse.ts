// Framing of ArgoCD's watch stream (argoproj/pkg grpc/http NewStreamForwarder over grpc-gateway
// v1): with `Accept: text/event-stream` each message is `data: {json} ` + blank line(s) and a
// `:` line every 15 s keeps the connection alive; a client whose Accept header was rewritten on
// the way gets newline-delimited JSON instead. This parser turns chunks of text into messages,
// keepalives and garbage lines; it never throws, whatever arrives.

export type Frame =
  | { readonly kind: "message"; readonly data: string }
  | { readonly kind: "keepalive" }
  | { readonly kind: "garbage"; readonly line: string };

/** A line longer than this (64 MiB) is garbage, not a reason to keep buffering. */
const MAX_LINE = 64 * 1024 * 1024;

export class StreamParser {
  private buffer = "";
  private data: string[] = [];
  private overlong = false;

  constructor(
    private readonly mode: "sse" | "ndjson",
    private readonly emit: (frame: Frame) => void,
  ) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let start = 0;
    for (;;) {
      const nl = this.buffer.indexOf("\n", start);
      if (nl < 0) break;
      const end = nl > start && this.buffer.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      const line = this.buffer.slice(start, end);
      start = nl + 1;
      if (this.overlong)
        this.overlong = false; // the tail of a line already reported
      else this.line(line);
    }
    this.buffer = this.buffer.slice(start);
    if (this.buffer.length > MAX_LINE) {
      this.emit({ kind: "garbage", line: `${this.buffer.slice(0, 80)}… (a line over ${MAX_LINE} bytes)` });
      this.buffer = "";
      this.data = [];
      this.overlong = true;
    }
  }

  /** End of the stream: a message not yet closed by a blank line is incomplete and dropped. */
  end(): void {
    if (this.mode === "ndjson" && this.buffer.trim() !== "") this.line(this.buffer);
    this.buffer = "";
    this.data = [];
  }

  private line(line: string): void {
    if (this.mode === "ndjson") {
      if (line.trim() !== "") this.emit({ kind: "message", data: line });
      return;
    }
    if (line === "") {
      if (this.data.length > 0) this.emit({ kind: "message", data: this.data.join("\n") });
      this.data = [];
      return;
    }
    if (line.startsWith(":")) {
      this.emit({ kind: "keepalive" });
      return;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event" || field === "id" || field === "retry")
      return; // valid SSE, unused by ArgoCD
    else this.emit({ kind: "garbage", line: line.length > 80 ? `${line.slice(0, 80)}…` : line });
  }
}
