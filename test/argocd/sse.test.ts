// Stream framing: whatever way the bytes are cut into chunks, the same frames come out.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { StreamParser, type Frame } from "../../src/argocd/sse.ts";
import { fcParams } from "../core/property-params.ts";

function parse(mode: "sse" | "ndjson", chunks: string[]): Frame[] {
  const out: Frame[] = [];
  const p = new StreamParser(mode, (f) => out.push(f));
  for (const c of chunks) p.push(c);
  p.end();
  return out;
}

test("ArgoCD's SSE framing: `data: <json> ` + blank lines, `:` keepalives, CRLF tolerated", () => {
  const text =
    'data: {"result":1} \n\n\n:\ndata: {"result":2} \r\n\r\nevent: x\nid: 3\nretry: 10\ndata: a\ndata: ' +
    'b\n\ndata: {"cut":';
  expect(parse("sse", [text])).toEqual([
    { kind: "message", data: '{"result":1} ' },
    { kind: "keepalive" },
    { kind: "message", data: '{"result":2} ' },
    { kind: "message", data: "a\nb" },
  ]);
  expect(parse("sse", ["<!doctype html>\n"])).toEqual([{ kind: "garbage", line: "<!doctype html>" }]);
  expect(parse("ndjson", ['{"result":1}\n\n{"result":2}'])).toEqual([
    { kind: "message", data: '{"result":1}' },
    { kind: "message", data: '{"result":2}' },
  ]);
});

test("any chunking of a stream gives the same frames", () => {
  const line = fc.oneof(
    fc.json().map((j) => `data: ${j.replace(/\n/g, "")} \n\n`),
    fc.constant(":\n"),
    fc.constant("\n"),
    fc.string({ unit: "grapheme-ascii" }).map((s) => `${s.replace(/[\r\n]/g, "")}\n`),
  );
  fc.assert(
    fc.property(fc.array(line, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 10 }), (lines, cuts) => {
      const text = lines.join("");
      const points = [...new Set(cuts.map((c) => (text.length === 0 ? 0 : c % text.length)))].sort((a, b) => a - b);
      const chunks: string[] = [];
      let at = 0;
      for (const p of points) {
        chunks.push(text.slice(at, p));
        at = p;
      }
      chunks.push(text.slice(at));
      expect(parse("sse", chunks)).toEqual(parse("sse", [text]));
      expect(parse("ndjson", chunks)).toEqual(parse("ndjson", [text]));
    }),
    fcParams(300),
  );
});
