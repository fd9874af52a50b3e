/**
 * `butler serve` as a user runs it: prints the repository's URL, answers on it, accepts URLs signed
 * with the key from BUTLER_SERVER_SIGNING_KEY, and closes cleanly on SIGTERM.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { makeDemoRepo } from "../../src/demo/demo-survey.ts";
import { signQuery } from "../../src/server/signing.ts";
import { BUTLER_BIN, runButler } from "../support/cli.ts";
import { DEMO, get, post } from "./server-support.ts";

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
    const child = spawn(process.execPath, [BUTLER_BIN, "serve", repo, "--name", "demo"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, BUTLER_SERVER_SIGNING_KEY: key.toString("hex") },
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const url = await new Promise<string>((resolve, reject) => {
      let stdout = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
        const match = /at (http:\/\/127\.0\.0\.1:\d+\/api\/butler\/repo\/demo)\n/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.on("close", () => reject(new Error(`butler serve exited: ${stderr}`)));
    });
    try {
      assert.deepEqual((await get(`${url}/`)).body.name, "demo");
      const ids = await post(`${url}/v1/query_collection_info`, {});
      assert.equal(ids.status, 200);
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
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0);
    assert.match(stderr, /SIGTERM: closing the server/);
  });

  test("a bad name is refused before serving", async () => {
    const badName = await runButler("serve", repo, "--name", "a/b");
    assert.equal(badName.status === 0, false);
    assert.match(badName.stderr, /--name 'a\/b' is not allowed/);
  });
});
