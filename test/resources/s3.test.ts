import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { S3Source } from "../../src/bytes/s3-source.ts";
import { createMetrics, withMetrics } from "../../src/bytes/with-metrics.ts";
import { withRetry } from "../../src/bytes/with-retry.ts";
import {
  ByteRangeError,
  EtagMismatchError,
  ObjectNotFoundError,
  RetriesExhaustedError,
} from "../../src/errors/index.ts";
import { resourcePath } from "../../src/resources/from-uri.ts";
import { closeS3Clients, s3Client } from "../../src/resources/s3-client.ts";
import type { S3ResourcePath } from "../../src/resources/s3-resource.ts";
import { pattern } from "../bytes/helpers.ts";
import { FaultProxy } from "../support/servers/fault-proxy.ts";
import { S3RVER_KEY, S3Server } from "../support/servers/s3rver.ts";
import { conformance } from "./conformance.ts";

const BUCKET = "butler";

describe("S3 resources on s3rver", () => {
  let s3: S3Server;
  let n = 0;
  const saved = { ...process.env };

  before(async () => {
    s3 = await S3Server.start([BUCKET]);
    Object.assign(process.env, s3.env());
    delete process.env.AWS_PROFILE;
  });

  after(async () => {
    closeS3Clients();
    await s3?.stop();
    process.env = saved;
  });

  conformance(async () => resourcePath(`s3://${BUCKET}/conformance-${++n}/`));

  test("presigned GET and PUT URLs work with plain fetch", async () => {
    const object = resourcePath(`s3://${BUCKET}/presigned/x.bin`) as S3ResourcePath;
    const put = await object.presignPut({ expiresIn: 300 });
    assert.match(put, /X-Amz-Signature=/);
    const sent = await fetch(put, { method: "PUT", body: pattern(777) });
    assert.equal(sent.status, 200);
    assert.deepEqual(await object.read(), pattern(777));

    const got = await fetch(await object.presignGet());
    assert.equal(got.status, 200);
    assert.deepEqual(new Uint8Array(await got.arrayBuffer()), pattern(777));
    // A presigned URL opened as an http resource keeps its query; errors and keys do not show it.
    const viaHttp = resourcePath(await object.presignGet());
    assert.ok(!viaHttp.uri.includes("Signature"));
    assert.deepEqual(await viaHttp.read(), pattern(777));
  });

  test("a profile in the URI takes its endpoint and keys from LSST_RESOURCES_S3_PROFILE_<name>", async () => {
    process.env.LSST_RESOURCES_S3_PROFILE_archive = `http://${S3RVER_KEY}:${S3RVER_KEY}@127.0.0.1:${s3.port}`;
    process.env.S3_ENDPOINT_URL = "http://127.0.0.1:9";
    try {
      const object = resourcePath(`s3://archive@${BUCKET}/profiles/p.bin`) as S3ResourcePath;
      assert.equal(object.settings().endpoint, `http://127.0.0.1:${s3.port}`);
      await object.write(pattern(5));
      assert.deepEqual(await object.read(), pattern(5));
    } finally {
      process.env.S3_ENDPOINT_URL = s3.origin;
      delete process.env.LSST_RESOURCES_S3_PROFILE_archive;
    }
  });

  test("a changed object is an EtagMismatchError even though the server ignores If-Match", async () => {
    const object = resourcePath(`s3://${BUCKET}/etag/obj.bin`);
    await object.write(pattern(4000));
    const source = object.openSource();
    await source.read(0, 100);
    assert.match(source.etag ?? "", /^"[0-9a-f]{32}"$/);
    await object.write(new Uint8Array(4000));
    await assert.rejects(source.read(0, 100), EtagMismatchError);
  });

  test("ranges past the end are ByteRangeErrors; a missing object is ObjectNotFoundError", async () => {
    const object = resourcePath(`s3://${BUCKET}/ranges/obj.bin`);
    await object.write(pattern(1000));
    const source = object.openSource();
    await assert.rejects(source.read(1000, 10), ByteRangeError);
    await assert.rejects(source.read(995, 10), /range ends past the end of the object \(size 1000\)/);
    assert.equal(await source.size(), 1000);
    await assert.rejects(
      resourcePath(`s3://${BUCKET}/ranges/missing.bin`).openSource().read(0, 1),
      ObjectNotFoundError,
    );
  });

  describe("through a counting, fault-injecting proxy", () => {
    let proxy: FaultProxy;
    const bytes = pattern(300_000);
    const fast = { retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 4 } };

    before(async () => {
      await resourcePath(`s3://${BUCKET}/counted/obj.bin`).write(bytes);
      proxy = await FaultProxy.start(s3.origin);
      process.env.S3_ENDPOINT_URL = proxy.origin;
    });

    after(async () => {
      process.env.S3_ENDPOINT_URL = s3.origin;
      await proxy?.close();
    });

    beforeEach(() => proxy.reset());

    test("each read is one ranged GET of exactly its bytes; no HEAD when the size is given", async () => {
      const object = resourcePath(`s3://${BUCKET}/counted/obj.bin`);
      const metrics = createMetrics();
      const source = withMetrics(object.openSource({ size: bytes.length }), metrics);
      assert.deepEqual(await source.read(0, 2880), bytes.slice(0, 2880));
      assert.deepEqual(await source.read(100_000, 50_000), bytes.slice(100_000, 150_000));
      assert.deepEqual(
        proxy.requests.map((r) => [r.method, r.path, r.range, r.status, r.bytes]),
        [
          ["GET", `/${BUCKET}/counted/obj.bin?x-id=GetObject`, "bytes=0-2879", 206, 2880],
          ["GET", `/${BUCKET}/counted/obj.bin?x-id=GetObject`, "bytes=100000-149999", 206, 50_000],
        ],
      );
      assert.equal(metrics.sizeCalls, 0);
    });

    test("the size comes from the first Content-Range; asked for first, it is one HEAD", async () => {
      const object = resourcePath(`s3://${BUCKET}/counted/obj.bin`);
      const reader = object.openSource();
      await reader.read(10, 10);
      assert.equal(await reader.size(), bytes.length);
      const prober = object.openSource();
      assert.equal(await prober.size(), bytes.length);
      assert.deepEqual(
        proxy.requests.map((r) => r.method),
        ["GET", "HEAD"],
      );
    });

    test("ranges at either end are sent in exact a-b form, never as suffix ranges", async () => {
      const source = resourcePath(`s3://${BUCKET}/counted/obj.bin`).openSource();
      assert.deepEqual(await source.read(bytes.length - 1, 1), bytes.slice(-1));
      assert.deepEqual(await source.read(0, 1), bytes.slice(0, 1));
      assert.deepEqual(
        proxy.requests.map((r) => r.range),
        [`bytes=${bytes.length - 1}-${bytes.length - 1}`, "bytes=0-0"],
      );
    });

    test("reads and writes recover from 500s, resets and truncated bodies", async () => {
      const object = resourcePath(`s3://${BUCKET}/counted/obj.bin`, fast);
      const source = withRetry(object.openSource({ size: bytes.length }), object.options.retry);
      proxy.inject(
        { kind: "status", status: 500 },
        { kind: "reset" },
        { kind: "truncate", afterBytes: 1000 },
      );
      assert.deepEqual(await source.read(5000, 20_000), bytes.slice(5000, 25_000));
      assert.deepEqual(
        proxy.requests.map((r) => [r.fault ?? "", r.status, r.bytes]),
        [
          ["status", 500, 13],
          ["reset", 0, 0],
          ["truncate", 206, 1000],
          ["", 206, 20_000],
        ],
      );
      proxy.reset();
      const other = resourcePath(`s3://${BUCKET}/counted/written.bin`, fast);
      proxy.inject({ kind: "status", status: 503 }, { kind: "reset" });
      await other.write(pattern(1234));
      proxy.inject({ kind: "truncate", afterBytes: 100 });
      assert.deepEqual(await other.read(), pattern(1234));
    });

    test("a spent budget is a RetriesExhaustedError", async () => {
      const object = resourcePath(`s3://${BUCKET}/counted/obj.bin`, fast);
      proxy.inject(...Array.from({ length: 4 }, () => ({ kind: "status", status: 500 }) as const));
      await assert.rejects(
        withRetry(object.openSource({ size: bytes.length }), object.options.retry).read(0, 10),
        (err: unknown) => {
          assert.ok(err instanceof RetriesExhaustedError);
          assert.equal(err.attempts, 4);
          return true;
        },
      );
      assert.equal(proxy.requests.length, 4);
    });

    test("an abort stops a read at once", async () => {
      const source = new S3Source({
        client: () => s3Client((resourcePath(`s3://${BUCKET}/x`) as S3ResourcePath).settings()),
        bucket: BUCKET,
        objectKey: "counted/obj.bin",
        size: bytes.length,
      });
      proxy.inject({ kind: "delay", ms: 2_000 });
      const controller = new AbortController();
      const reason = new Error("cancelled");
      setTimeout(() => controller.abort(reason), 50);
      const started = performance.now();
      await assert.rejects(source.read(0, 10, { signal: controller.signal }), (err) => err === reason);
      assert.ok(performance.now() - started < 1_000);
    });
  });
});
