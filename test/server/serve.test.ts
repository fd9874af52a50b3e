/**
 * `butler serve` as a user runs it: prints the repository's URL, answers on it, accepts URLs signed
 * with the key from BUTLER_SERVER_SIGNING_KEY, and closes cleanly on SIGTERM.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { makeDemoRepo } from "../../src/demo/demo-survey.ts";
import { signQuery } from "../../src/server/signing.ts";
import { DEMO, get, post, startServe } from "./server-support.ts";

describe("butler serve", () => {
  let dir: string;
  let repo: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "butler-serve-"));
    repo = join(dir, "repo");
    await makeDemoRepo(repo, DEMO);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("serves the repository at the URL it prints until SIGTERM, with the key from the environment", async () => {
    const key = randomBytes(32);
    const server = await startServe([repo, "--name", "demo"], {
      BUTLER_SERVER_SIGNING_KEY: key.toString("hex"),
    });
    const url = server.urls[0]!;
    try {
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/api\/butler\/repo\/demo$/);
      assert.deepEqual((await get(`${url}/`)).body.name, "demo");
      const file = (
        await post(`${url}/v1/find_dataset`, {
          dataset_type: "calexp",
          data_id: { instrument: "DemoCam", visit: 2026031000, detector: 0 },
          collections: "DemoCam/runs/demo",
        })
      ).body.dataset_ref;
      const info = (await post(`${url}/v1/get_file`, { dataset_ids: [file.id] })).body.files[0].file_info[0];
      const { query } = signQuery(new Uint8Array(key), "demo", info.record.path, 60);
      const response = await fetch(`${url}/v1/bytes/${info.record.path}?${query}`, {
        headers: { range: "bytes=0-9" },
      });
      assert.equal(response.status, 206);
      const onDisk = readFileSync(join(repo, info.record.path));
      assert.ok(Buffer.from(await response.arrayBuffer()).equals(onDisk.subarray(0, 10)));
      const page = await fetch(new URL("/", url));
      assert.equal(page.status, 200);
      assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    } finally {
      const { status, stderr } = await server.stop();
      assert.equal(status, 0);
      assert.match(stderr, /SIGTERM: closing the server/);
    }
  });

  test("--config serves the file's repositories behind its authentication", async () => {
    const config = join(dir, "server.yaml");
    writeFileSync(
      config,
      [
        "repositories:",
        "  first:",
        "    uri: repo",
        "    read_groups: [survey]",
        "auth:",
        "  mode: tokens",
        `signing_key_file: signing.key`,
        "",
      ].join("\n"),
    );
    writeFileSync(join(dir, "signing.key"), randomBytes(32).toString("hex"));
    const server = await startServe(["--config", config]);
    try {
      const url = server.urls[0]!;
      assert.match(url, /\/api\/butler\/repo\/first$/);
      assert.equal((await get(`${url}/`)).status, 200);
      const anonymous = await get(`${url}/v1/universe`);
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.body.error_type, "UNAUTHENTICATED");
    } finally {
      assert.equal((await server.stop()).status, 0);
    }
  });
});
