/**
 * `butler ui` as the user runs it: it prints the page's URL, serves the page and the repository's API
 * (`butler serve`'s server, no token), and stops cleanly on SIGTERM.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { repositoryUrl } from "../../src/client/protocol.ts";
import { makeDemoRepo } from "../../src/demo/demo-survey.ts";
import { BUTLER_BIN, runButler } from "../support/cli.ts";

const scratch = mkdtempSync(join(tmpdir(), "butler-ui-"));
const repo = join(scratch, "my repo");
before(() => makeDemoRepo(repo, { visits: 1, detectors: 1, size: [32, 32] }));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("butler ui prints a 127.0.0.1 URL, serves the page and the repository, and stops on SIGTERM", async () => {
  const child = spawn(process.execPath, [BUTLER_BIN, "ui", repo], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  let stdout = "";
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      const found = /at (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(stdout);
      if (found) resolve(found[1]!);
    });
    child.on("close", () => reject(new Error(`butler ui exited: ${stderr}`)));
  });
  try {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/#\/repo\/my_repo$/);
    const origin = new URL(url).origin;
    const page = await fetch(`${origin}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script type="module" src="\/web\/assets\/app\.js">/);
    assert.deepEqual(await (await fetch(`${origin}/web/api/repositories`)).json(), {
      repositories: ["my_repo"],
    });
    const missing = await fetch(`${origin}/web/api/other/summary`);
    assert.equal(missing.status, 404);
    // The server is butler serve's, so the repository's API for remote butlers answers beside the page.
    const health = await fetch(`${repositoryUrl(origin, "my_repo")}/`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { name: string }).name, "my_repo");
  } finally {
    child.kill("SIGTERM");
  }
  assert.equal(await exited, 0, stderr);
});

test("butler ui refuses a port that is not one", async () => {
  const run = await runButler("ui", repo, "--port", "70000");
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /--port takes a TCP port from 0 to 65535/);
});
