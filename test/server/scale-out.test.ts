/**
 * Two `butler serve` processes on one repository, registry in PostgreSQL and files in S3 (s3rver),
 * sharing a signing key: whatever one process does or signs, the other sees and accepts, since neither
 * keeps state of its own.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Butler } from "../../src/butler/index.ts";
import { closeSharedDispatcher } from "../../src/bytes/http-client.ts";
import { RemoteButler } from "../../src/client/remote-butler.ts";
import { DEMO_CHAIN, makeDemoRepo } from "../../src/demo/demo-survey.ts";
import { closeS3Clients } from "../../src/resources/s3-client.ts";
import { randomSigningKey, signQuery } from "../../src/server/signing.ts";
import { registerVisitSummary } from "../client/helpers.ts";
import { PG_SERVER_URI } from "../registry/registry-support.ts";
import { S3Server } from "../support/servers/s3rver.ts";
import { adminQuery, DEMO, get, post, startServe } from "./server-support.ts";

const BUCKET = "scale-out";
const CALEXP = { instrument: "DemoCam", visit: 2026031000, detector: 0 };

describe("two server processes on one PostgreSQL repository with an S3 root", () => {
  let dir: string;
  let database: string;
  let s3: S3Server;
  let key: Uint8Array;
  let token: string;
  let servers: Awaited<ReturnType<typeof startServe>>[] = [];
  let a: string;
  let b: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "butler-scale-out-"));
    s3 = await S3Server.start([BUCKET]);
    Object.assign(process.env, s3.env());
    database = `butler_test_${randomBytes(6).toString("hex")}`;
    await adminQuery(`CREATE DATABASE ${database}`);
    const repo = join(dir, "repo");
    await makeDemoRepo(repo, {
      ...DEMO,
      datastoreRoot: `s3://${BUCKET}/repo/`,
      registryDb: `${PG_SERVER_URI}/${database}?namespace=demo`,
    });
    const butler = await Butler.open(repo, { writeable: true });
    try {
      await registerVisitSummary(butler);
      token = (await butler.registry.tokens.create({ user: "alice", groups: ["survey"] })).token;
    } finally {
      await butler.close();
    }
    key = randomSigningKey();
    writeFileSync(join(dir, "signing.key"), Buffer.from(key).toString("hex"));
    writeFileSync(
      join(dir, "server.yaml"),
      [
        "repositories:",
        "  main:",
        "    uri: repo",
        "    read_groups: [survey]",
        "    write_groups: [survey]",
        "auth:",
        "  mode: tokens",
        "limits:",
        "  token_cache: 0", // every request asks the registry, so a revocation is seen at once
        "signing_key_file: signing.key",
        "access_log: off",
        "",
      ].join("\n"),
    );
    servers = await Promise.all(
      [0, 1].map(() =>
        startServe(["--config", join(dir, "server.yaml"), "--port", "0", "--no-web"], s3.env()),
      ),
    );
    [a, b] = servers.map((s) => s.urls[0]!) as [string, string];
  });

  after(async () => {
    const stopped = await Promise.all(servers.map((s) => s.stop()));
    for (const { status, stderr } of stopped) assert.equal(status, 0, stderr);
    await closeSharedDispatcher();
    await closeS3Clients();
    await s3?.stop();
    if (database !== undefined) await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    rmSync(dir, { recursive: true, force: true });
  });

  const auth = () => ({ authorization: `Bearer ${token}` });

  test("the two are different processes on different ports", () => {
    assert.notEqual(new URL(a).port, new URL(b).port);
  });

  test("a token created once is accepted by both, and refused by both once revoked", async () => {
    for (const url of [a, b]) {
      assert.equal((await get(`${url}/v1/universe`)).status, 401);
      assert.equal((await get(`${url}/v1/universe`, auth())).status, 200);
    }
    const repo = join(dir, "repo");
    const butler = await Butler.open(repo, { writeable: true });
    let other: string;
    try {
      const made = await butler.registry.tokens.create({ user: "bob", groups: ["survey"] });
      other = made.token;
      for (const url of [a, b]) {
        assert.equal((await get(`${url}/v1/universe`, { authorization: `Bearer ${other}` })).status, 200);
      }
      await butler.registry.tokens.revoke(made.record.id);
    } finally {
      await butler.close();
    }
    for (const url of [a, b]) {
      const refused = await get(`${url}/v1/universe`, { authorization: `Bearer ${other}` });
      assert.equal(refused.status, 401, url);
    }
  });

  test("a put through either process is found and read through the other", async () => {
    const [onA, onB] = await Promise.all(
      [a, b].map((url) => RemoteButler.open(url, { token, run: "u/alice", collections: "u/alice" })),
    );
    const first = await onA!.put({ seeing: 0.61 }, "visitSummary", {
      instrument: "DemoCam",
      visit: CALEXP.visit,
    });
    assert.deepEqual(await onB!.get(first), { seeing: 0.61 });
    assert.deepEqual(await onB!.get("visitSummary", { instrument: "DemoCam", visit: CALEXP.visit }), {
      seeing: 0.61,
    });
    // The other way round, into a run of its own (same data ID, so a different collection).
    const second = await onB!.put(
      { seeing: 0.72 },
      "visitSummary",
      { instrument: "DemoCam", visit: CALEXP.visit },
      { run: "u/alice/b" },
    );
    const found = await onA!.registry.findDataset(
      "visitSummary",
      { instrument: "DemoCam", visit: CALEXP.visit },
      { collections: ["u/alice/b"] },
    );
    assert.equal(found?.id, second.id);
    assert.deepEqual(await onA!.get(found!), { seeing: 0.72 });
    // Both read the demo's calexps from the bucket alike.
    const [headerA, headerB] = await Promise.all(
      [onA!, onB!].map((r) =>
        r.get<{ get(k: string): unknown }>("calexp.metadata", CALEXP, { collections: DEMO_CHAIN }),
      ),
    );
    assert.equal(headerA!.get("DETECTOR"), headerB!.get("DETECTOR"));
  });

  test("an upload prepared and signed by one process is committed by the other", async () => {
    const body = Buffer.from('{"seeing": 0.83}\n');
    const dataId = { instrument: "DemoCam", visit: CALEXP.visit };
    const prepared = await post(
      `${a}/v1/put/prepare`,
      {
        dataset_type: "visitSummary",
        data_id: dataId,
        run: "u/uploads",
        size: body.length,
        checksum: `sha256:${createHash("sha256").update(body).digest("hex")}`,
      },
      auth(),
    );
    assert.equal(prepared.status, 200, JSON.stringify(prepared.body));
    const put = await fetch(prepared.body.url, { method: "PUT", body });
    assert.ok(put.ok, `upload: HTTP ${put.status}`);
    // Changed by one character, the signed upload id is refused: the other process checks the signature.
    const id: string = prepared.body.upload_id;
    const tampered = `${id.slice(0, 10)}${id[10] === "A" ? "B" : "A"}${id.slice(11)}`;
    assert.equal((await post(`${b}/v1/put/commit`, { upload_id: tampered }, auth())).status, 422);
    const committed = await post(`${b}/v1/put/commit`, { upload_id: id }, auth());
    assert.equal(committed.status, 200, JSON.stringify(committed.body));
    const found = await post(
      `${a}/v1/find_dataset`,
      { dataset_type: "visitSummary", data_id: dataId, collections: "u/uploads" },
      auth(),
    );
    assert.equal(found.body.dataset_ref.id, committed.body.dataset_ref.id);
  });

  test("a byte URL signed with the shared key is accepted by both, one signed with another key by neither", async () => {
    const files = await post(
      `${a}/v1/get_file_by_data_id`,
      { dataset_type: "calexp", data_id: CALEXP, collections: DEMO_CHAIN },
      auth(),
    );
    const info = files.body.file_info[0];
    // The URL A handed out is a pre-signed GET straight to the bucket.
    assert.match(info.url, new RegExp(`^${s3.origin}/${BUCKET}/`));
    const direct = Buffer.from(
      await (await fetch(info.url, { headers: { range: "bytes=0-79" } })).arrayBuffer(),
    );
    assert.equal(direct.subarray(0, 9).toString(), "SIMPLE  =");
    const path: string = info.record.path;
    const route = `/v1/bytes/${path.split("/").map(encodeURIComponent).join("/")}`;
    const shared = signQuery(key, "main", path, 60).query;
    const foreign = signQuery(randomSigningKey(), "main", path, 60).query;
    for (const url of [a, b]) {
      const ok = await fetch(`${url}${route}?${shared}`, { headers: { range: "bytes=0-79" } });
      assert.equal(ok.status, 206, url);
      assert.ok(Buffer.from(await ok.arrayBuffer()).equals(direct), url);
      const refused = await fetch(`${url}${route}?${foreign}`, { headers: { range: "bytes=0-79" } });
      assert.equal(refused.status, 403, url);
      await refused.arrayBuffer();
    }
  });
});
