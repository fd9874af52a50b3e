/**
 * The guard's authentication and authorization on a real listening fastify app: bearer tokens from
 * the repository's registry, read and write groups per repository, public routes, the trusted proxy
 * header only from the proxy's address, and the open mode of a single local user.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type GuardedApp, guardedApp } from "./guard-support.ts";

async function call(
  url: string,
  options: { token?: string; method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url, {
    method: options.method ?? (options.body === undefined ? "GET" : "POST"),
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

describe("guard: bearer tokens", () => {
  let server: GuardedApp;
  let reader = "";
  let writer = "";
  let outsider = "";
  before(async () => {
    server = await guardedApp({ auth: { mode: "tokens" }, limits: { tokenCacheMs: 0 } });
    const main = server.registries.get("main")!;
    reader = (await main.tokens.create({ user: "rita", groups: ["survey"] })).token;
    writer = (await main.tokens.create({ user: "wanda", groups: ["admin"] })).token;
    outsider = (await main.tokens.create({ user: "otto", groups: ["public"] })).token;
  });
  after(() => server.close());

  test("no token, a malformed header, a token of another repository and a revoked one are 401", async () => {
    const url = `${server.url}/main/v1/whoami`;
    const none = await call(url);
    assert.equal(none.status, 401);
    assert.equal(none.body.error_type, "UNAUTHENTICATED");
    assert.match(String(none.body.detail), /no bearer token; send 'Authorization: Bearer TOKEN'/);
    assert.equal(none.headers.get("www-authenticate"), 'Bearer realm="butler"');

    const basic = await call(url, { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    assert.deepEqual(
      [basic.status, basic.body.detail],
      [401, "the Authorization header is not 'Bearer TOKEN'"],
    );
    const garbage = await call(url, { token: "abc" });
    assert.deepEqual([garbage.status, garbage.body.detail], [401, "the bearer token is not a butler token"]);

    const elsewhere = (
      await server.registries.get("open")!.tokens.create({ user: "rita", groups: ["survey"] })
    ).token;
    const cross = await call(url, { token: elsewhere });
    assert.deepEqual(
      [cross.status, cross.body.detail],
      [401, "the bearer token is not known to this repository"],
    );

    const doomed = await server.registries.get("main")!.tokens.create({ user: "dora", groups: ["survey"] });
    assert.equal((await call(url, { token: doomed.token })).status, 200);
    await server.registries.get("main")!.tokens.revoke(doomed.record.id);
    const revoked = await call(url, { token: doomed.token });
    assert.deepEqual([revoked.status, revoked.body.detail], [401, "the bearer token was revoked"]);
  });

  test("read groups may read, write groups may write and read, others are 403", async () => {
    const read = await call(`${server.url}/main/v1/whoami`, { token: reader });
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.principal, { user: "rita", groups: ["survey"] });
    assert.equal(read.body.query_timeout_ms, 120_000);

    const refusedWrite = await call(`${server.url}/main/v1/put`, { token: reader, body: {} });
    assert.equal(refusedWrite.status, 403);
    assert.deepEqual(refusedWrite.body, {
      error_type: "FORBIDDEN",
      detail: "user 'rita' may not write repository 'main': write needs membership of admin",
    });
    assert.deepEqual((await call(`${server.url}/main/v1/put`, { token: writer, body: {} })).body, {
      user: "wanda",
    });
    assert.equal((await call(`${server.url}/main/v1/whoami`, { token: writer })).status, 200, "writers read");

    const outside = await call(`${server.url}/main/v1/whoami`, { token: outsider });
    assert.equal(outside.status, 403);
    assert.match(
      String(outside.body.detail),
      /user 'otto' may not read repository 'main': read needs membership of survey/,
    );
    const undeclared = await call(`${server.url}/main/v1/undeclared`, { token: outsider });
    assert.equal(undeclared.status, 403, "a route naming a repository without config.access needs read");
  });

  test("a repository without groups lets any of its token holders read and nobody write", async () => {
    const token = (await server.registries.get("open")!.tokens.create({ user: "x" })).token;
    assert.equal((await call(`${server.url}/open/v1/whoami`, { token })).status, 200);
    const write = await call(`${server.url}/open/v1/put`, { token, body: {} });
    assert.equal(write.status, 403);
    assert.match(String(write.body.detail), /this repository takes no writes/);
  });

  test("public routes need nothing; an unknown repository is 404 before any token is asked for", async () => {
    const health = await call(`${server.url}/main/`);
    assert.deepEqual(health, { ...health, status: 200, body: { name: "main", principal: null } });
    const unknown = await call(`${server.url}/nope/v1/whoami`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, {
      error_type: "NOT_FOUND",
      detail: "no repository named 'nope' is served here",
    });
  });

  test("a verified token is remembered for tokenCacheMs, then asked again", async () => {
    const cached = await guardedApp({ auth: { mode: "tokens" }, limits: { tokenCacheMs: 300 } });
    try {
      const main = cached.registries.get("main")!;
      const { token, record } = await main.tokens.create({ user: "c", groups: ["survey"] });
      const url = `${cached.url}/main/v1/whoami`;
      assert.equal((await call(url, { token })).status, 200);
      await main.tokens.revoke(record.id);
      assert.equal(
        (await call(url, { token })).status,
        200,
        "within the cache time the revocation is not seen",
      );
      await new Promise((r) => setTimeout(r, 350));
      assert.equal((await call(url, { token })).status, 401);
    } finally {
      await cached.close();
    }
  });
});

describe("guard: trusted proxy header", () => {
  test("the user header is believed from the proxy's address only; tokens still work", async () => {
    const trusted = await guardedApp({ auth: { mode: "proxy", trustedProxies: ["127.0.0.0/8", "::1"] } });
    const untrusted = await guardedApp({ auth: { mode: "proxy", trustedProxies: ["10.9.8.7", "fd00::/8"] } });
    try {
      const headers = { "X-Auth-Request-User": "pat", "X-Auth-Request-Groups": "survey, admin" };
      const ok = await call(`${trusted.url}/main/v1/put`, { headers, body: {} });
      assert.deepEqual([ok.status, ok.body], [200, { user: "pat" }]);
      const who = await call(`${trusted.url}/main/v1/whoami`, { headers: { "X-Auth-Request-User": "pat" } });
      assert.equal(who.status, 403, "no groups header: no groups");

      const spoofed = await call(`${untrusted.url}/main/v1/whoami`, { headers });
      assert.equal(spoofed.status, 401);
      assert.deepEqual(spoofed.body, {
        error_type: "UNAUTHENTICATED",
        detail: "x-auth-request-user is accepted only from the authenticating proxy",
      });
      const token = (await untrusted.registries.get("main")!.tokens.create({ user: "t", groups: ["survey"] }))
        .token;
      const spoofedWithToken = await call(`${untrusted.url}/main/v1/whoami`, { headers, token });
      assert.equal(spoofedWithToken.status, 401, "a token does not excuse a forged user header");
      const viaToken = await call(`${untrusted.url}/main/v1/whoami`, { token });
      assert.deepEqual(viaToken.body.principal, { user: "t", groups: ["survey"] });
      const nothing = await call(`${untrusted.url}/main/v1/whoami`);
      assert.match(String(nothing.body.detail), /no user from the authenticating proxy and no bearer token/);
    } finally {
      await trusted.close();
      await untrusted.close();
    }
  });

  test("bad proxy addresses are a typed configuration error naming the setting", async () => {
    await assert.rejects(
      guardedApp({ auth: { mode: "proxy", trustedProxies: ["10.0.0.0/33"] } }),
      (err: Error & { code?: string }) =>
        err.code === "SERVER_CONFIG" &&
        /auth\.trusted_proxies: '10\.0\.0\.0\/33' is not an IP address or CIDR block/.test(err.message),
    );
  });
});

describe("guard: open mode", () => {
  test("everyone is the one local user, who may read and write every repository", async () => {
    const server = await guardedApp({ auth: { mode: "none", user: "me" } });
    try {
      const who = await call(`${server.url}/main/v1/whoami`);
      assert.deepEqual(who.body.principal, { user: "me", groups: [] });
      assert.deepEqual((await call(`${server.url}/main/v1/put`, { body: {} })).body, { user: "me" });
    } finally {
      await server.close();
    }
  });
});
