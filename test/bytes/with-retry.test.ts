import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { closeSharedDispatcher } from "../../src/bytes/http-client.ts";
import { HttpSource } from "../../src/bytes/http-source.ts";
import { MemorySource } from "../../src/bytes/memory-source.ts";
import { type RetryEvent, retrying, transportError } from "../../src/bytes/retry.ts";
import { createMetrics, withMetrics } from "../../src/bytes/with-metrics.ts";
import { withRetry } from "../../src/bytes/with-retry.ts";
import { ObjectNotFoundError, RemoteStoreError, RetriesExhaustedError } from "../../src/errors/index.ts";
import { FaultProxy } from "../support/servers/fault-proxy.ts";
import { NginxServer, nginxUnavailable } from "../support/servers/nginx.ts";
import { FlakySource, pattern } from "./helpers.ts";

const transient = () => new RemoteStoreError("mem://x", "GET", "HTTP 503", { status: 503, retryable: true });

describe("retrying", () => {
  test("backs off exponentially with full jitter, capped", async () => {
    const events: RetryEvent[] = [];
    let calls = 0;
    const result = await retrying(
      async () => {
        calls += 1;
        if (calls < 5) throw transient();
        return "done";
      },
      { maxAttempts: 5, baseDelayMs: 2, maxDelayMs: 5, random: () => 0.999 },
      { uri: "mem://x", operation: "GET", onRetry: (e) => events.push(e) },
    );
    assert.equal(result, "done");
    assert.deepEqual(
      events.map((e) => [e.attempt, Math.round(e.delayMs)]),
      [
        [1, 2],
        [2, 4],
        [3, 5],
        [4, 5],
      ],
    );
    const zero: number[] = [];
    await assert.rejects(
      retrying(
        async () => {
          throw transient();
        },
        { maxAttempts: 3, random: () => 0 },
        { uri: "mem://x", operation: "GET", onRetry: (e) => zero.push(e.delayMs) },
      ),
      RetriesExhaustedError,
    );
    assert.deepEqual(zero, [0, 0]);
  });

  test("errors that are not transient pass straight through", async () => {
    let calls = 0;
    const missing = new ObjectNotFoundError("mem://x");
    await assert.rejects(
      retrying(
        async () => {
          calls += 1;
          throw missing;
        },
        {},
        { uri: "mem://x", operation: "GET" },
      ),
      (err) => err === missing,
    );
    assert.equal(calls, 1);
  });

  test("a spent budget is a RetriesExhaustedError carrying the last failure", async () => {
    let calls = 0;
    await assert.rejects(
      retrying(
        async () => {
          calls += 1;
          throw transient();
        },
        { maxAttempts: 4, baseDelayMs: 1 },
        { uri: "mem://x", operation: "GET" },
      ),
      (err: unknown) => {
        assert.ok(err instanceof RetriesExhaustedError);
        assert.equal(err.code, "RETRIES_EXHAUSTED");
        assert.equal(err.attempts, 4);
        assert.ok(err.cause instanceof RemoteStoreError);
        assert.match(err.message, /GET mem:\/\/x gave up after 4 attempts/);
        return true;
      },
    );
    assert.equal(calls, 4);

    // The time budget stops retries whose backoff would end past it.
    calls = 0;
    await assert.rejects(
      retrying(
        async () => {
          calls += 1;
          throw transient();
        },
        { maxAttempts: 100, baseDelayMs: 40, maxDelayMs: 40, maxElapsedMs: 100, random: () => 1 },
        { uri: "mem://x", operation: "GET" },
      ),
      RetriesExhaustedError,
    );
    assert.ok(calls >= 2 && calls <= 3, `calls: ${calls}`);
  });

  test("an abort during a backoff stops at once with the signal's reason", async () => {
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    const started = performance.now();
    setTimeout(() => controller.abort(reason), 20);
    await assert.rejects(
      retrying(
        async () => {
          throw transient();
        },
        { baseDelayMs: 10_000, maxDelayMs: 10_000, random: () => 1 },
        { uri: "mem://x", operation: "GET", signal: controller.signal },
      ),
      (err) => err === reason,
    );
    assert.ok(performance.now() - started < 1_000);
  });

  test("transport failures are typed: resets and timeouts retryable, other system errors final", () => {
    const reset = transportError(
      "http://h/x",
      "GET",
      Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
    );
    assert.ok(reset instanceof RemoteStoreError && reset.retryable);
    const dns = transportError(
      "http://h/x",
      "GET",
      Object.assign(new Error("no such host"), { code: "ENOTFOUND" }),
    );
    assert.ok(dns instanceof RemoteStoreError && !dns.retryable);
    const bug = new TypeError("bug");
    assert.equal(transportError("http://h/x", "GET", bug), bug);
  });
});

describe("withRetry", () => {
  test("retries a source's transient failures and counts them", async () => {
    const bytes = pattern(100);
    const flaky = new FlakySource(new MemorySource(bytes), 2, transient());
    const source = withRetry(flaky, { baseDelayMs: 1 });
    assert.deepEqual(await source.read(10, 10), bytes.slice(10, 20));
    assert.deepEqual(source.stats, { retries: 2, exhausted: 0 });
    const hopeless = withRetry(new FlakySource(new MemorySource(bytes), 10, transient()), {
      maxAttempts: 2,
      baseDelayMs: 1,
    });
    await assert.rejects(hopeless.read(0, 1), RetriesExhaustedError);
    assert.deepEqual(hopeless.stats, { retries: 1, exhausted: 1 });
  });
});

describe("retries against nginx through a fault-injecting proxy", { skip: nginxUnavailable() }, () => {
  const SIZE = 200_000;
  const bytes = pattern(SIZE);
  let nginx: NginxServer;
  let proxy: FaultProxy;
  const url = () => `${proxy.origin}/obj.bin`;
  const fast = { baseDelayMs: 1, maxDelayMs: 5 };

  before(async () => {
    nginx = await NginxServer.start();
    await nginx.putFile("obj.bin", bytes);
    proxy = await FaultProxy.start(nginx.origin);
  });

  after(async () => {
    await closeSharedDispatcher();
    await proxy?.close();
    await nginx?.stop();
  });

  beforeEach(async () => {
    proxy.reset();
    await nginx.mark();
  });

  test("injected 500s are retried until the read succeeds", async () => {
    proxy.inject({ kind: "status", status: 500 }, { kind: "status", status: 503 });
    const metrics = createMetrics();
    const source = withMetrics(withRetry(new HttpSource(url(), { size: SIZE }), fast), metrics);
    assert.deepEqual(await source.read(1000, 5000), bytes.slice(1000, 6000));
    assert.deepEqual(
      proxy.requests.map((r) => [r.range, r.status]),
      [
        ["bytes=1000-5999", 500],
        ["bytes=1000-5999", 503],
        ["bytes=1000-5999", 206],
      ],
    );
    // Callers see one read; the server saw the one request that got through.
    assert.equal(metrics.requests, 1);
    assert.equal(metrics.errors, 0);
    const seen = await nginx.requests(1);
    assert.deepEqual(
      seen.map((e) => [e.range, e.bytes]),
      [["bytes=1000-5999", 5000]],
    );
  });

  test("connection resets are retried", async () => {
    proxy.inject({ kind: "reset" }, { kind: "reset" });
    const source = withRetry(new HttpSource(url(), { size: SIZE }), fast);
    assert.deepEqual(await source.read(0, 100), bytes.slice(0, 100));
    assert.equal(source.stats.retries, 2);
    assert.deepEqual(
      proxy.requests.map((r) => r.fault ?? r.status),
      ["reset", "reset", 206],
    );
  });

  test("truncated bodies are retried, and the caller gets every byte", async () => {
    proxy.inject({ kind: "truncate", afterBytes: 70_000 }, { kind: "truncate", afterBytes: 0 });
    const inner = new HttpSource(url(), { size: SIZE });
    const source = withRetry(inner, fast);
    const target = new Uint8Array(150_000);
    await source.readInto!(10_000, target);
    assert.deepEqual(target, bytes.slice(10_000, 160_000));
    assert.equal(source.stats.retries, 2);
    assert.deepEqual(
      proxy.requests.map((r) => [r.fault ?? "", r.bytes]),
      [
        ["truncate", 70_000],
        ["truncate", 0],
        ["", 150_000],
      ],
    );
    assert.ok(inner.stats.bytesReceived <= 220_000);
  });

  test("a stalled answer times out and is retried", async () => {
    proxy.inject({ kind: "delay", ms: 1_500 });
    const source = withRetry(new HttpSource(url(), { size: SIZE, headersTimeoutMs: 150 }), fast);
    const started = performance.now();
    assert.deepEqual(await source.read(0, 10), bytes.slice(0, 10));
    assert.ok(performance.now() - started < 1_400);
    assert.equal(source.stats.retries, 1);
  });

  test("when the budget is spent the error is typed and names the last failure", async () => {
    proxy.inject(...Array.from({ length: 5 }, () => ({ kind: "status", status: 502 }) as const));
    const source = withRetry(new HttpSource(url(), { size: SIZE }), { ...fast, maxAttempts: 3 });
    await assert.rejects(source.read(0, 10), (err: unknown) => {
      assert.ok(err instanceof RetriesExhaustedError);
      assert.equal(err.attempts, 3);
      assert.ok(err.cause instanceof RemoteStoreError);
      assert.equal(err.cause.status, 502);
      return true;
    });
    assert.equal(proxy.requests.length, 3);
    assert.equal(proxy.pending, 2);
  });

  test("final errors are not retried", async () => {
    const source = withRetry(new HttpSource(`${proxy.origin}/missing.bin`), fast);
    await assert.rejects(source.read(0, 10), ObjectNotFoundError);
    assert.equal(proxy.requests.length, 1);
  });

  test("an abort during a stalled request rejects at once with the signal's reason", async () => {
    proxy.inject({ kind: "delay", ms: 2_000 });
    const source = withRetry(new HttpSource(url(), { size: SIZE }), fast);
    const controller = new AbortController();
    const reason = new Error("cancelled");
    setTimeout(() => controller.abort(reason), 50);
    const started = performance.now();
    await assert.rejects(source.read(0, 10, { signal: controller.signal }), (err) => err === reason);
    assert.ok(performance.now() - started < 1_000);
    assert.equal(source.stats.retries, 0);
  });
});
