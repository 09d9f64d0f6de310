// The Woodpecker history cache writes a repo's rows in id order (issue 14 item 4): the poller
// holds them newest first, and rows inserted in descending key order between other repos' rows
// leave the table's pages about half full. A 1,000 x 1,000 backfill wrote a 141 MB file that
// VACUUM packs into 79 MB: more to write during the backfill, and more to check and read at restart.
import { afterAll, expect, test } from "bun:test";
import { TrackedRepo } from "../../src/collector/poller.ts";
import { RepoHistory } from "../../src/collector/repo-history.ts";
import { KEY, pushPipeline as pipeline, repoListing as listing, tempStateFile } from "./durable-fixture.ts";

const files: (() => void)[] = [];
afterAll(() => {
  for (const remove of files) remove();
});

/** Pages of a file holding `repos` (written in this order, each history newest first), and after VACUUM. */
function pagesWritten(repos: readonly number[], rows: number): { pages: number; compact: number; ids: number[][] } {
  const file = tempStateFile("dora-write-order-");
  files.push(file.remove);
  const { open } = file;
  let { db, durable } = open();
  durable.load(KEY);
  for (const repo of repos) {
    const t = new TrackedRepo(listing(repo), new RepoHistory());
    for (let k = rows; k >= 1; k--) t.history.ingest(pipeline(repo * 100_000 + k));
    durable.save(t);
  }
  const pageCount = () => {
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    return db.query<{ page_count: number }, []>("PRAGMA page_count").get()!.page_count;
  };
  const pages = pageCount();
  db.close(false);
  ({ db, durable } = open());
  const ids = durable.load(KEY).ids.map((id) => [...durable.restore(listing(id))!.pipelines.values()].map((p) => p.id));
  // The same rows, packed by SQLite itself: the size the file should have.
  db.exec("VACUUM");
  const compact = pageCount();
  db.close(false);
  return { pages, compact, ids };
}

test("histories held newest first are written in key order: the file stays about as small as the rows packed", () => {
  const rows = 1500;
  for (const order of [
    [1, 2, 3, 4, 5],
    [5, 1, 4, 2, 3],
  ]) {
    const written = pagesWritten(order, rows);
    // Everything reads back, in id order.
    expect(written.ids).toEqual(
      [1, 2, 3, 4, 5].map((r) => Array.from({ length: rows }, (_, k) => r * 100_000 + k + 1)),
    );
    // Written newest first, the pages were about half full: ~1.75x the packed size.
    expect(written.pages).toBeLessThan(written.compact * 1.15);
  }
});
