/**
 * A remote store that stalls: one attempt gives up after the per-attempt timeout, which is shorter
 * than the retry budget, so the stall is retried and the operation succeeds (WebDAV on nginx, S3 on
 * s3rver, each behind the fault-injecting proxy). The defaults keep the same order.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  closeSharedDispatcher,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_HEADERS_TIMEOUT_MS,
} from "../../src/bytes/http-client.ts";
import { DEFAULT_ATTEMPT_TIMEOUT_MS, DEFAULT_RETRY_POLICY } from "../../src/bytes/retry.ts";
import { withRetry } from "../../src/bytes/with-retry.ts";
import { resourcePath } from "../../src/resources/from-uri.ts";
import { closeS3Clients } from "../../src/resources/s3-client.ts";
import { pattern } from "../bytes/helpers.ts";
import { FaultProxy } from "../support/servers/fault-proxy.ts";
import { NginxServer, nginxUnavailable } from "../support/servers/nginx.ts";
import { S3Server } from "../support/servers/s3rver.ts";

const BUCKET = "butler";
/**
 * A budget of 10 s with attempts of 300 ms (undici rounds its timers up to about a second): a 5 s stall
 * costs one attempt, not the budget.
 */
const options = {
  timeoutMs: 300,
  retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 4, maxElapsedMs: 10_000 },
};
const STALL_MS = 5_000;

/** Runs `fn` and asserts it did not wait out a stall. */
async function quicker<T>(fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await fn();
  const elapsed = performance.now() - started;
  assert.ok(elapsed < STALL_MS - 1_000, `took ${Math.round(elapsed)} ms`);
  return result;
}

test("by default one attempt waits a third of the retry budget", () => {
  assert.ok(DEFAULT_ATTEMPT_TIMEOUT_MS * 3 <= DEFAULT_RETRY_POLICY.maxElapsedMs);
  assert.equal(DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_ATTEMPT_TIMEOUT_MS);
  assert.equal(DEFAULT_BODY_TIMEOUT_MS, DEFAULT_ATTEMPT_TIMEOUT_MS);
});

describe("a stalled WebDAV server", { skip: nginxUnavailable() }, () => {
  let nginx: NginxServer;
  let proxy: FaultProxy;
  before(async () => {
    nginx = await NginxServer.start();
    proxy = await FaultProxy.start(nginx.origin);
  });
  after(async () => {
    await proxy?.close();
    await closeSharedDispatcher();
    await nginx?.stop();
  });

  test("a read and a write stalled longer than one attempt are retried and succeed", async () => {
    const file = resourcePath(`${proxy.origin}/stall/f.bin`, options);
    proxy.inject({ kind: "delay", ms: STALL_MS });
    await quicker(() => file.write(pattern(1000)));
    proxy.inject({ kind: "delay", ms: STALL_MS });
    assert.deepEqual(await quicker(() => file.read()), pattern(1000));
    assert.ok(proxy.requests.filter((r) => r.fault === "delay").length === 2);
  });
});

describe("a stalled S3 server", () => {
  let s3: S3Server;
  let proxy: FaultProxy;
  const saved = { ...process.env };
  before(async () => {
    s3 = await S3Server.start([BUCKET]);
    Object.assign(process.env, s3.env());
    delete process.env.AWS_PROFILE;
    proxy = await FaultProxy.start(s3.origin);
    process.env.S3_ENDPOINT_URL = proxy.origin;
  });
  after(async () => {
    closeS3Clients();
    await proxy?.close();
    await s3?.stop();
    process.env = saved;
  });

  test("a read and a write stalled longer than one attempt are retried and succeed", async () => {
    const object = resourcePath(`s3://${BUCKET}/stall/obj.bin`, options);
    proxy.inject({ kind: "delay", ms: STALL_MS });
    await quicker(() => object.write(pattern(5000)));
    proxy.inject({ kind: "delay", ms: STALL_MS });
    const bytes = await quicker(() =>
      withRetry(object.openSource({ size: 5000 }), object.options.retry).read(100, 200),
    );
    assert.deepEqual(bytes, pattern(5000).slice(100, 300));
    assert.equal(proxy.requests.filter((r) => r.fault === "delay").length, 2);
  });
});
