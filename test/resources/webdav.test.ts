import assert from "node:assert/strict";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { closeSharedDispatcher } from "../../src/bytes/http-client.ts";
import { createMetrics, withMetrics } from "../../src/bytes/with-metrics.ts";
import {
  EtagMismatchError,
  ObjectNotFoundError,
  RemoteStoreError,
  RetriesExhaustedError,
} from "../../src/errors/index.ts";
import { resourcePath } from "../../src/resources/from-uri.ts";
import type { HttpResourcePath } from "../../src/resources/http-resource.ts";
import { pattern } from "../bytes/helpers.ts";
import { FaultProxy } from "../support/servers/fault-proxy.ts";
import { NginxServer, nginxUnavailable } from "../support/servers/nginx.ts";
import { conformance } from "./conformance.ts";

describe("WebDAV resources on nginx", { skip: nginxUnavailable() }, () => {
  let nginx: NginxServer;
  let n = 0;

  before(async () => {
    nginx = await NginxServer.start();
  });

  after(async () => {
    await closeSharedDispatcher();
    await nginx?.stop();
  });

  conformance(async () => resourcePath(nginx.url(`conformance-${++n}/`)));

  describe("requests seen by the server", () => {
    beforeEach(() => nginx.mark());

    test("a write is a PUT to a hidden temporary name and one MOVE into place", async () => {
      const file = resourcePath(nginx.url("w/run/x.fits"));
      await file.write(pattern(3000));
      const seen = await nginx.requests(2);
      assert.deepEqual(
        seen.map((e) => [e.method, e.status]),
        [
          ["PUT", 201],
          ["MOVE", 204],
        ],
      );
      assert.match(seen[0]!.uri, /^\/w\/run\/\.x\.fits\.tmp-[a-z0-9]+$/);
      assert.equal(seen[1]!.uri, seen[0]!.uri);
      assert.equal(seen[1]!.destination, nginx.url("w/run/x.fits"));
      assert.equal(seen[1]!.overwrite, "T");
      assert.deepEqual(await readdir(join(nginx.root, "w/run")), ["x.fits"]);
      assert.equal((await stat(join(nginx.root, "w/run/x.fits"))).size, 3000);

      await assert.rejects(file.write(pattern(1), { overwrite: false }), { code: "RESOURCE_EXISTS" });
      const refused = await nginx.requests(4);
      // The HEAD asks whether the temporary is still there (a MOVE whose answer was lost may have
      // happened); it is, so the write was refused and the temporary goes.
      assert.deepEqual(
        refused.map((e) => [e.method, e.status, e.overwrite]),
        [
          ["PUT", 201, ""],
          ["MOVE", 412, "F"],
          ["HEAD", 200, ""],
          ["DELETE", 204, ""],
        ],
      );
      assert.deepEqual(await readdir(join(nginx.root, "w/run")), ["x.fits"]);
    });

    test("a server that will not create parents gets MKCOLs, outermost first, then the PUT again", async () => {
      const file = resourcePath(nginx.url("strict/p1/p2/f.bin"));
      await file.write(pattern(10));
      assert.deepEqual(await file.read(), pattern(10));
      const seen = await nginx.requests(8);
      // nginx says 500, not 409, for a PUT into a missing collection; the parent check tells them apart.
      assert.deepEqual(
        seen.map((e) => [e.method, e.uri.replace(/tmp-[a-z0-9]+$/, "tmp"), e.status]),
        [
          ["PUT", "/strict/p1/p2/.f.bin.tmp", 500],
          ["PROPFIND", "/strict/p1/p2/", 404],
          ["MKCOL", "/strict/p1/p2/", 409],
          ["MKCOL", "/strict/p1/", 201],
          ["MKCOL", "/strict/p1/p2/", 201],
          ["PUT", "/strict/p1/p2/.f.bin.tmp", 201],
          ["MOVE", "/strict/p1/p2/.f.bin.tmp", 204],
          ["GET", "/strict/p1/p2/f.bin", 200],
        ],
      );
    });

    test("a listing is one PROPFIND Depth 1 per collection", async () => {
      const root = resourcePath(nginx.url("listing/"));
      await root.join("a.bin").write(pattern(1));
      await root.join("sub/b.bin").write(pattern(2));
      await nginx.requests(4);
      const entries = await root.list();
      assert.deepEqual(
        entries.map((e) => [e.path.relativeTo(root), e.size]),
        [
          ["a.bin", 1],
          ["sub/b.bin", 2],
        ],
      );
      const seen = await nginx.requests(2);
      assert.deepEqual(
        seen.map((e) => [e.method, e.uri, e.depth, e.status]),
        [
          ["PROPFIND", "/listing/", "1", 207],
          ["PROPFIND", "/listing/sub/", "1", 207],
        ],
      );
    });

    test("a copy on the server is COPY to a temporary name and MOVE into place; no bytes pass through", async () => {
      const from = resourcePath(nginx.url("copy/from.bin"));
      await from.write(pattern(50_000));
      await nginx.requests(2);
      await from.copyTo(resourcePath(nginx.url("copy/to.bin")));
      const seen = await nginx.requests(2);
      assert.deepEqual(
        seen.map((e) => [e.method, e.status, e.bytes]),
        [
          ["COPY", 204, 0],
          ["MOVE", 204, 0],
        ],
      );
      assert.equal(seen[0]!.uri, "/copy/from.bin");
    });

    test("openSource reads ranges with no HEAD when the size is known", async () => {
      const bytes = pattern(30_000);
      const file = resourcePath(nginx.url("src/obj.bin"));
      await file.write(bytes);
      await nginx.requests(2);
      const metrics = createMetrics({ recordRanges: true });
      const source = withMetrics(file.openSource({ size: 30_000 }), metrics);
      assert.deepEqual(await source.read(2880, 5760), bytes.slice(2880, 8640));
      const seen = await nginx.requests(1);
      assert.deepEqual(
        seen.map((e) => [e.method, e.range, e.status, e.bytes]),
        [["GET", "bytes=2880-8639", 206, 5760]],
      );
      assert.equal(metrics.sizeCalls, 0);
    });

    test("an object rewritten through WebDAV under an open source is an EtagMismatchError", async () => {
      const file = resourcePath(nginx.url("src/changing.bin"));
      await file.write(pattern(1000));
      const source = file.openSource();
      await source.read(0, 10);
      await file.write(pattern(1001));
      await assert.rejects(source.read(0, 10), EtagMismatchError);
    });
  });

  describe("through a fault-injecting proxy", () => {
    let proxy: FaultProxy;
    const fast = { retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 4 } };

    before(async () => {
      proxy = await FaultProxy.start(nginx.origin);
    });
    after(() => proxy?.close());
    beforeEach(() => proxy.reset());

    test("every operation retries transient failures", async () => {
      const file = resourcePath(`${proxy.origin}/faults/f.bin`, fast) as HttpResourcePath;
      proxy.inject({ kind: "status", status: 503 }, { kind: "reset" });
      await file.write(pattern(100));
      proxy.inject({ kind: "status", status: 500 });
      assert.equal(await file.size(), 100);
      proxy.inject({ kind: "truncate", afterBytes: 10 });
      assert.deepEqual(await file.read(), pattern(100));
      proxy.inject({ kind: "status", status: 502 });
      assert.equal((await file.parent().list()).length, 1);
      proxy.inject({ kind: "reset" });
      assert.equal(await file.remove(), true);
      assert.deepEqual(
        proxy.requests.map((r) => `${r.method} ${r.fault ?? r.status}`),
        [
          "PUT status",
          "PUT reset",
          "PUT 201",
          "MOVE 204",
          "HEAD status",
          "HEAD 200",
          "GET truncate",
          "GET 200",
          "PROPFIND status",
          "PROPFIND 207",
          "DELETE reset",
          "DELETE 204",
        ],
      );
    });

    test("a spent budget is a typed error; final statuses are not retried", async () => {
      const file = resourcePath(`${proxy.origin}/faults/g.bin`, fast);
      proxy.inject(...Array.from({ length: 4 }, () => ({ kind: "status", status: 500 }) as const));
      await assert.rejects(file.exists(), (err: unknown) => {
        assert.ok(err instanceof RetriesExhaustedError);
        assert.equal(err.attempts, 4);
        assert.equal((err.cause as RemoteStoreError).status, 500);
        return true;
      });
      proxy.reset();
      proxy.inject({ kind: "status", status: 403 });
      await assert.rejects(
        file.read(),
        (err: unknown) => err instanceof RemoteStoreError && err.status === 403,
      );
      await assert.rejects(file.read(), ObjectNotFoundError);
      assert.equal(proxy.requests.length, 2);
    });

    test("an abort stops a remote operation at once", async () => {
      const file = resourcePath(`${proxy.origin}/faults/h.bin`, fast);
      proxy.inject({ kind: "delay", ms: 2_000 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("cancelled")), 50);
      const started = performance.now();
      await assert.rejects(file.exists({ signal: controller.signal }), /cancelled/);
      assert.ok(performance.now() - started < 1_000);
    });
  });
});
