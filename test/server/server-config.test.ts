/**
 * `loadServerConfig`: the documented example (docs/SERVER.md) loads as written; defaults; and every
 * kind of mistake is a SERVER_CONFIG error naming the setting and what it accepts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { isButlerError } from "../../src/errors/index.ts";
import { loadServerConfig, SIGNING_KEY_ENV } from "../../src/server/config.ts";
import { DEFAULT_LIMITS } from "../../src/server/guard/index.ts";

const KEY_HEX = "ab".repeat(32);

describe("loadServerConfig", () => {
  let dir = "";
  let n = 0;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "butler-server-config-"));
    writeFileSync(join(dir, "signing.key"), `${KEY_HEX}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function write(text: string): string {
    const file = join(dir, `server${++n}.yaml`);
    writeFileSync(file, text);
    return file;
  }

  function rejects(text: string, key: string, message: RegExp, env: NodeJS.ProcessEnv = {}): void {
    assert.throws(
      () => loadServerConfig(write(text), env),
      (err) => {
        assert.ok(isButlerError(err, "SERVER_CONFIG"), String(err));
        assert.equal((err as { key?: string }).key, key);
        assert.match(err.message, message);
        return true;
      },
    );
  }

  test("the example in docs/SERVER.md loads as documented", () => {
    const doc = readFileSync(join(import.meta.dirname, "../../docs/SERVER.md"), "utf8");
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)![1]!;
    const { app, guard } = loadServerConfig(write(example), {});
    assert.deepEqual(app.repositories, [
      { name: "main", uri: "/data/main", readGroups: ["survey"], writeGroups: ["pipelines"] },
      { name: "scratch", uri: "s3://bucket/scratch/butler.yaml", readGroups: ["*"], writeGroups: ["*"] },
    ]);
    assert.deepEqual(Buffer.from(app.signingKey).toString("hex"), KEY_HEX);
    assert.deepEqual(
      { ...app, repositories: undefined, signingKey: undefined },
      {
        repositories: undefined,
        signingKey: undefined,
        urlExpirySeconds: 3600,
        publicUrl: "https://data.example.org",
        host: "0.0.0.0",
        port: 8080,
        bodyLimit: 16_777_216,
        keepAliveMs: 15_000,
        pageRows: 2000,
        maxIds: 10_000,
      },
    );
    assert.deepEqual(guard.auth, { mode: "tokens" });
    assert.deepEqual(guard.repositories, {
      main: { readGroups: ["survey"], writeGroups: ["pipelines"] },
      scratch: { readGroups: ["*"], writeGroups: ["*"] },
    });
    assert.deepEqual(guard.limits, DEFAULT_LIMITS);
    assert.equal(guard.accessLog, undefined, "stderr is the guard's default");
  });

  test("a minimal file: defaults, relative paths from the file, the key from the environment", () => {
    const { app, guard } = loadServerConfig(write("repositories:\n  r1:\n    uri: repos/one\n"), {
      [SIGNING_KEY_ENV]: KEY_HEX,
    });
    assert.deepEqual(app.repositories, [{ name: "r1", uri: join(dir, "repos/one") }]);
    assert.equal(app.urlExpirySeconds, 3600);
    assert.deepEqual(guard.repositories, { r1: {} });
    assert.deepEqual(guard.auth, { mode: "tokens" });
  });

  test("proxy and open modes, other limits and log sinks", () => {
    const logFile = join(dir, "access.log");
    const { guard } = loadServerConfig(
      write(
        [
          "repositories: {r: {uri: /r}}",
          "signing_key_file: signing.key",
          "auth: {mode: proxy, trusted_proxies: [10.0.0.0/8, '::1'], groups_header: X-Groups}",
          "limits: {streams_per_user: 1, query_timeout: 2m, token_cache: 0, retry_after: 9}",
          "access_log: access.log",
        ].join("\n"),
      ),
    );
    assert.deepEqual(guard.auth, {
      mode: "proxy",
      trustedProxies: ["10.0.0.0/8", "::1"],
      groupsHeader: "X-Groups",
    });
    assert.deepEqual(guard.limits, {
      ...DEFAULT_LIMITS,
      streamsPerUser: 1,
      queryTimeoutMs: 120_000,
      tokenCacheMs: 0,
      retryAfterSeconds: 9,
    });
    assert.equal(typeof guard.accessLog, "function");
    (guard.accessLog as (line: string) => void)('{"a":1}');
    return new Promise<void>((resolve) =>
      setTimeout(() => {
        assert.equal(readFileSync(logFile, "utf8"), '{"a":1}\n');
        resolve();
      }, 100),
    );
  });

  test("open mode and an access log turned off", () => {
    const { guard } = loadServerConfig(
      write(
        "repositories: {r: {uri: /r}}\nsigning_key_file: signing.key\nauth: {mode: none, user: me}\naccess_log: off\n",
      ),
    );
    assert.deepEqual(guard.auth, { mode: "none", user: "me" });
    assert.equal(guard.accessLog, false);
  });

  test("mistakes name the setting and what it accepts", () => {
    const base = "signing_key_file: signing.key\n";
    const repos = "repositories: {r: {uri: /r}}\n";
    rejects(base, "repositories", /is empty; accepted: a mapping of repository names/);
    rejects(`${base}repositories: {"a b": {uri: /r}}`, "repositories.a b", /accepted: letters, digits/);
    rejects(
      `${base}repositories: {r: {url: /r}}`,
      "repositories.r.url",
      /is not a setting; did you mean 'uri'\? Accepted: uri, read_groups, write_groups/,
    );
    rejects(`${base}repositories: {r: {}}`, "repositories.r.uri", /is missing; accepted: a non-empty string/);
    rejects(
      `${base}repositories: {r: {uri: /r, read_groups: [1]}}`,
      "repositories.r.read_groups",
      /accepted: a list of non-empty strings/,
    );
    rejects(`${base}${repos}limit: {}`, "limit", /did you mean 'limits'\?/);
    rejects(
      `${base}${repos}limits: {max_ids: -3}`,
      "limits.max_ids",
      /is -3 \(number\); accepted: a whole number of at least 1/,
    );
    rejects(
      `${base}${repos}limits: {query_timeout: soon}`,
      "limits.query_timeout",
      /accepted: a positive whole number followed by s, m, h, d or w/,
    );
    rejects(
      `${base}${repos}auth: {mode: kerberos}`,
      "auth.mode",
      /'kerberos' is not accepted; accepted: tokens, proxy, none/,
    );
    rejects(
      `${base}${repos}auth: {mode: proxy}`,
      "auth.trusted_proxies",
      /is missing; mode proxy needs the proxy's addresses/,
    );
    rejects(
      `${base}${repos}auth: {mode: proxy, trusted_proxies: [proxy.local]}`,
      "auth.trusted_proxies",
      /'proxy\.local' is not an IP address or CIDR block/,
    );
    rejects(
      `${base}${repos}auth: {trusted_proxies: [10.0.0.1]}`,
      "auth.trusted_proxies",
      /a setting of mode proxy, but auth.mode is tokens/,
    );
    rejects(`${base}${repos}port: 70000`, "port", /accepted: 0 to 65535/);
    rejects(`${base}${repos}public_url: example.org`, "public_url", /accepted: an http\(s\):\/\/ URL/);
    rejects(
      repos,
      "signing_key_file",
      /is missing and BUTLER_SERVER_SIGNING_KEY is not set; .*openssl rand -hex 32/,
    );
    rejects(repos, SIGNING_KEY_ENV, /at least 32 bytes written as hex digits/, { [SIGNING_KEY_ENV]: "abcd" });
    rejects(`${repos}signing_key_file: missing.key`, "signing_key_file", /missing\.key cannot be read/);
    rejects("repositories: [", join(dir, `server${n + 1}.yaml`), /is not valid YAML/);
    assert.throws(
      () => loadServerConfig(join(dir, "nope.yaml")),
      (err) => isButlerError(err, "SERVER_CONFIG") && /cannot be read/.test(err.message),
    );
  });
});
