import assert from "node:assert/strict";
import { utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { closeSharedDispatcher } from "../../src/bytes/http-client.ts";
import { HttpSource } from "../../src/bytes/http-source.ts";
import { createMetrics, withMetrics } from "../../src/bytes/with-metrics.ts";
import { ByteRangeError, EtagMismatchError, ObjectNotFoundError } from "../../src/errors/index.ts";
import { NginxServer, nginxUnavailable } from "../support/servers/nginx.ts";
import { pattern } from "./helpers.ts";

const SIZE = 100_000;

describe("HttpSource against nginx", { skip: nginxUnavailable() }, () => {
  const bytes = pattern(SIZE);
  let nginx: NginxServer;

  before(async () => {
    nginx = await NginxServer.start();
    await nginx.putFile("data/obj.bin", bytes);
  });

  after(async () => {
    await closeSharedDispatcher();
    await nginx?.stop();
  });

  beforeEach(() => nginx.mark());

  test("each read is one GET of exactly its range, and no HEAD when the size is given", async () => {
    const source = new HttpSource(nginx.url("data/obj.bin"), { size: SIZE });
    const metrics = createMetrics({ recordRanges: true });
    const metered = withMetrics(source, metrics);
    assert.deepEqual(await metered.read(0, 2880), bytes.slice(0, 2880));
    assert.deepEqual(await metered.read(5760, 100), bytes.slice(5760, 5860));
    const target = new Uint8Array(10);
    await metered.readInto!(SIZE - 10, target);
    assert.deepEqual(target, bytes.slice(SIZE - 10));

    const seen = await nginx.requests(3);
    assert.deepEqual(
      seen.map((e) => [e.method, e.range, e.status, e.bytes]),
      [
        ["GET", "bytes=0-2879", 206, 2880],
        ["GET", "bytes=5760-5859", 206, 100],
        ["GET", `bytes=${SIZE - 10}-${SIZE - 1}`, 206, 10],
      ],
    );
    assert.equal(metrics.requests, 3);
    assert.equal(metrics.bytes, 2990);
    assert.equal(metrics.sizeCalls, 0);
    assert.deepEqual(source.stats, { gets: 3, heads: 0, bytesReceived: 2990, fullResponses: 0 });
  });

  test("the size is learned from the first Content-Range; asked for first, it costs one HEAD", async () => {
    const reader = new HttpSource(nginx.url("data/obj.bin"));
    await reader.read(10, 10);
    assert.equal(await reader.size(), SIZE);
    assert.equal(reader.stats.heads, 0);

    const prober = new HttpSource(nginx.url("data/obj.bin"));
    const sizes = await Promise.all([prober.size(), prober.size(), prober.size()]);
    assert.deepEqual(sizes, [SIZE, SIZE, SIZE]);
    const seen = await nginx.requests(2);
    assert.deepEqual(
      seen.map((e) => e.method),
      ["GET", "HEAD"],
    );
  });

  test("the first ETag is pinned and sent as If-Match on later reads", async () => {
    const source = new HttpSource(nginx.url("data/obj.bin"), { size: SIZE });
    assert.equal(source.etag, undefined);
    await source.read(0, 100);
    const etag = source.etag;
    assert.match(etag ?? "", /^"[0-9a-f]+-[0-9a-f]+"$/);
    await source.read(100, 100);
    const seen = await nginx.requests(2);
    assert.deepEqual(
      seen.map((e) => e.ifMatch),
      ["", etag],
    );
  });

  test("a changed object is an EtagMismatchError (412 from If-Match)", async () => {
    await nginx.putFile("data/changing.bin", pattern(5000));
    const source = new HttpSource(nginx.url("data/changing.bin"));
    await source.read(0, 100);
    const first = source.etag;
    // nginx's ETag is mtime and size; move the mtime so the change shows even within one second.
    const path = join(nginx.root, "data/changing.bin");
    await writeFile(path, pattern(5001));
    await utimes(path, new Date(), new Date(Date.now() + 5_000));
    await assert.rejects(source.read(0, 100), (err: unknown) => {
      assert.ok(err instanceof EtagMismatchError);
      assert.equal(err.key, nginx.url("data/changing.bin"));
      assert.ok(err.message.includes(first!));
      return true;
    });
    const seen = await nginx.requests(2);
    assert.deepEqual(
      seen.map((e) => [e.ifMatch, e.status]),
      [
        ["", 206],
        [first, 412],
      ],
    );
  });

  test("an expected ETag given up front is checked on the first read", async () => {
    const source = new HttpSource(nginx.url("data/obj.bin"), { etag: '"0-0"' });
    await assert.rejects(source.read(0, 10), EtagMismatchError);
  });

  test("ranges past the end are ByteRangeErrors: without a request when the size is known", async () => {
    const known = new HttpSource(nginx.url("data/obj.bin"), { size: SIZE });
    await assert.rejects(known.read(SIZE - 1, 2), ByteRangeError);
    await assert.rejects(known.read(-1, 2), ByteRangeError);
    assert.equal(known.stats.gets, 0);

    const unknown = new HttpSource(nginx.url("data/obj.bin"));
    await assert.rejects(unknown.read(SIZE, 10), (err: unknown) => {
      assert.ok(err instanceof ByteRangeError);
      assert.match(err.message, /not satisfiable \(size 100000\)/);
      return true;
    });
    // Learned from the 416's Content-Range: the next bad read needs no request.
    assert.equal(await unknown.size(), SIZE);
    await assert.rejects(unknown.read(SIZE - 5, 10), ByteRangeError);

    const partial = new HttpSource(nginx.url("data/obj.bin"));
    await assert.rejects(partial.read(SIZE - 5, 10), /range ends past the end of the object \(size 100000\)/);

    const seen = await nginx.requests(2);
    assert.deepEqual(
      seen.map((e) => [e.range, e.status]),
      [
        [`bytes=${SIZE}-${SIZE + 9}`, 416],
        [`bytes=${SIZE - 5}-${SIZE + 4}`, 206],
      ],
    );
  });

  test("empty reads are checked against the size without a GET", async () => {
    const source = new HttpSource(nginx.url("data/obj.bin"), { size: SIZE });
    assert.deepEqual(await source.read(SIZE, 0), new Uint8Array(0));
    await assert.rejects(source.read(SIZE + 1, 0), ByteRangeError);
    assert.equal(source.stats.gets + source.stats.heads, 0);
  });

  test("a missing object is an ObjectNotFoundError", async () => {
    const source = new HttpSource(nginx.url("data/missing.bin"));
    await assert.rejects(source.read(0, 10), ObjectNotFoundError);
    await assert.rejects(source.size(), ObjectNotFoundError);
  });

  test("a 200 answer to a range request is sliced to the range and counted", async () => {
    const source = new HttpSource(nginx.url("norange/data/obj.bin"));
    assert.deepEqual(await source.read(1000, 100), bytes.slice(1000, 1100));
    assert.deepEqual(await source.read(SIZE - 100, 100), bytes.slice(SIZE - 100));
    assert.equal(source.stats.fullResponses, 2);
    assert.equal(await source.size(), SIZE);
    assert.equal(source.stats.heads, 0);
    // The second read needed the whole body; the first stopped once it had its bytes.
    assert.ok(source.stats.bytesReceived >= SIZE + 1100);
    await assert.rejects(source.read(SIZE - 5, 10), ByteRangeError);
    const seen = await nginx.requests(2, (e) => e.uri.startsWith("/norange/"));
    assert.deepEqual(
      seen.slice(0, 2).map((e) => [e.range, e.status]),
      [
        ["bytes=1000-1099", 200],
        [`bytes=${SIZE - 100}-${SIZE - 1}`, 200],
      ],
    );
  });

  test("an aborted read rejects with the signal's reason", async () => {
    const source = new HttpSource(nginx.url("data/obj.bin"), { size: SIZE });
    const controller = new AbortController();
    const reason = new Error("stop");
    controller.abort(reason);
    await assert.rejects(source.read(0, 10, { signal: controller.signal }), (err) => err === reason);
    assert.equal(source.stats.gets, 0);
  });
});
