/**
 * The guard in the real server app, on SQLite and PostgreSQL demo repositories: its settings from a
 * server.yaml, tokens from the served repository's registry shared by two apps (each with its own
 * butler and connections), the real routes' access declarations, the streamed query's rows and the
 * client's request id in the access log, id caps before the route's own schema, and the app's body limit.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Butler } from "../../src/butler/index.ts";
import { RemoteButler } from "../../src/client/index.ts";
import { DEMO_CALIB, DEMO_RUN } from "../../src/demo/demo-survey.ts";
import { createServerApp } from "../../src/server/app.ts";
import { loadServerConfig } from "../../src/server/config.ts";
import { guardConfigFor, guardPlugin } from "../../src/server/guard/index.ts";
import { eventually } from "./guard-support.ts";
import { CALEXPS, enabledDialects, get, jsonLines, post, type Served, serveDemo } from "./server-support.ts";

const CONFIG = `
repositories:
  main: {uri: repo, read_groups: [survey], write_groups: [admin]}
signing_key_file: signing.key
url_expiry: 10m
auth: {mode: tokens}
limits: {body_bytes: 200000, token_cache: 0, streams_per_user: 1}
`;

for (const dialect of enabledDialects()) {
  describe(`guard in the server app [${dialect}]`, () => {
    let served: Served;
    const logs: Record<string, unknown>[] = [];
    let reader = "";
    let outsider = "";
    let confDir = "";
    let admin: Butler | undefined;

    before(async () => {
      confDir = mkdtempSync(join(tmpdir(), "butler-guard-app-"));
      writeFileSync(join(confDir, "signing.key"), "cd".repeat(32));
      writeFileSync(join(confDir, "server.yaml"), CONFIG);
      const config = loadServerConfig(join(confDir, "server.yaml"));
      served = await serveDemo(dialect, {
        bodyLimit: config.app.bodyLimit,
        signingKey: config.app.signingKey,
        plugins: [
          guardPlugin({
            ...config.guard,
            tokenStore: (name) => (name === "main" ? served.butler.registry.tokens : undefined),
            accessLog: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
          }),
        ],
      });
      // The served butler is read-only; tokens are made the way `butler token create` makes them.
      admin = await Butler.open(join(served.dir, "repo"), { writeable: true });
      reader = (await admin.registry.tokens.create({ user: "rita", groups: ["survey"] })).token;
      outsider = (await admin.registry.tokens.create({ user: "otto", groups: ["other"] })).token;
    });
    after(async () => {
      await admin?.close();
      await served?.close();
      rmSync(confDir, { recursive: true, force: true });
    });

    test("the real routes: public health, read needs a token of a reader", async () => {
      assert.equal((await get(`${served.base}/`)).status, 200);
      const none = await get(`${served.base}/v1/universe`);
      assert.deepEqual([none.status, none.body.error_type], [401, "UNAUTHENTICATED"]);
      const denied = await get(`${served.base}/v1/universe`, { authorization: `Bearer ${outsider}` });
      assert.deepEqual([denied.status, denied.body.error_type], [403, "FORBIDDEN"]);
      assert.equal(
        (await get(`${served.base}/v1/universe`, { authorization: `Bearer ${reader}` })).status,
        200,
      );
    });

    test("a streamed query is logged with its user, rows and the client's request id", async () => {
      logs.length = 0;
      const id = "6d0f6c1e-5b0b-4b8e-9f57-2a7c3e1d9b10";
      const response = await fetch(`${served.base}/v1/query/datasets`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${reader}`,
          "content-type": "application/json",
          "X-Butler-Client-Request-Id": id,
        },
        body: JSON.stringify({ dataset_type: "calexp", collections: DEMO_RUN }),
      });
      const text = await response.text();
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("x-request-id"), id);
      assert.equal(jsonLines(text).flatMap((l) => (l.type === "page" ? l.rows : [])).length, CALEXPS);
      await eventually(() => logs.length === 1);
      assert.deepEqual(
        { ...logs[0], time: 0, ms: 0, remote: 0 },
        {
          time: 0,
          ms: 0,
          remote: 0,
          request_id: id,
          user: "rita",
          method: "POST",
          route: "/api/butler/repo/:name/v1/query/datasets",
          repository: "main",
          status: 200,
          rows: CALEXPS,
          bytes: Buffer.byteLength(text),
          aborted: false,
        },
      );
    });

    test("dataset associations: a user who may not read the repository is refused before any row", async () => {
      const url = `${served.base}/v1/query/dataset_associations`;
      const body = { dataset_type: "bias", collections: DEMO_CALIB };
      logs.length = 0;
      const denied = await post(url, body, { authorization: `Bearer ${outsider}` });
      assert.deepEqual([denied.status, denied.body.error_type], [403, "FORBIDDEN"]);
      assert.match(denied.body.detail, /user 'otto' may not read repository 'main'/);
      assert.equal(denied.headers.get("content-type")?.startsWith("application/json"), true);
      assert.doesNotMatch(JSON.stringify(denied.body), /dataset_ref|DemoCam\/calib\/bias/);
      await eventually(() => logs.length === 1);
      assert.deepEqual([logs[0]!.user, logs[0]!.status, logs[0]!.rows ?? 0], ["otto", 403, 0]);
      const anonymous = await post(url, body);
      assert.deepEqual([anonymous.status, anonymous.body.error_type], [401, "UNAUTHENTICATED"]);
      // A reader's remote registry gets them, validity ranges included.
      const remote = await RemoteButler.open(served.base, { token: reader });
      try {
        const associations = await remote.registry.queryDatasetAssociations("bias", {
          collections: DEMO_CALIB,
        });
        const direct = await served.butler.registry.queryDatasetAssociations("bias", {
          collections: DEMO_CALIB,
        });
        assert.equal(associations.length, direct.length);
        assert.ok(associations.length > 0);
        assert.deepEqual(
          associations.map((a) => [a.ref.id, a.collection, a.timespan?.toString()]),
          direct.map((a) => [a.ref.id, a.collection, a.timespan?.toString()]),
        );
      } finally {
        await remote.close();
      }
    });

    test("id caps answer before the route's schema; the app's body limit is 413", async () => {
      const auth = { authorization: `Bearer ${reader}` };
      const many = await post(`${served.base}/v1/datasets`, { dataset_ids: Array(10_001).fill("x") }, auth);
      assert.deepEqual([many.status, many.body.error_type], [422, "REQUEST_TOO_LARGE"]);
      const big = await post(`${served.base}/v1/datasets`, { dataset_ids: ["x".repeat(200_000)] }, auth);
      assert.deepEqual([big.status, big.body.error_type], [413, "REQUEST_TOO_LARGE"]);
    });

    test("a second app over the same repository accepts the token and sees its revocation", async () => {
      const butler = await Butler.open(join(served.dir, "repo"), { writeable: false });
      const config = loadServerConfig(join(confDir, "server.yaml"));
      const repositories = [{ name: "main", butler, readGroups: ["survey"] }];
      const settings = { auth: config.guard.auth, limits: config.guard.limits, accessLog: false as const };
      const app = await createServerApp({
        repositories,
        signingKey: config.app.signingKey,
        plugins: [guardPlugin(guardConfigFor(repositories, settings))],
      });
      try {
        const origin = await app.listen({ host: "127.0.0.1", port: 0 });
        const url = `${origin}/api/butler/repo/main/v1/universe`;
        const { token, record } = await admin!.registry.tokens.create({ user: "sam", groups: ["survey"] });
        assert.equal((await get(url, { authorization: `Bearer ${token}` })).status, 200);
        assert.equal(
          (await get(url, { authorization: `Bearer ${outsider}` })).status,
          403,
          "groups come along",
        );
        await admin!.registry.tokens.revoke(record.id);
        const refused = await get(url, { authorization: `Bearer ${token}` });
        assert.deepEqual([refused.status, refused.body.detail], [401, "the bearer token was revoked"]);
      } finally {
        await app.close();
        await butler.close();
      }
    });
  });
}
