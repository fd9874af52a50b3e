/**
 * `butler serve --config server.yaml` as an operator runs it: tokens made with `butler token create`
 * are the only way in, the page is served at `/` beside the API, and a repository's write group decides
 * who may put. Also `butler serve REPO` on a non-loopback address asks for tokens unless told otherwise.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { makeDemoRepo } from "../../src/demo/demo-survey.ts";
import { BUTLER_BIN, runButler } from "../support/cli.ts";
import { DEMO } from "./server-support.ts";

interface Running {
  child: ChildProcess;
  stdout: string;
  stderr: string;
}

/** Starts `butler serve ARGS` and waits for what it prints when ready; resolves with the first URL. */
async function startServe(...args: string[]): Promise<Running & { url: string }> {
  const child = spawn(process.execPath, [BUTLER_BIN, "serve", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const running: Running = { child, stdout: "", stderr: "" };
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (running.stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      running.stdout += d;
      const match = /Serving \S+ at (http:\/\/\S+)\n[\s\S]*Authentication: .*\n/.exec(running.stdout);
      if (match) resolve(match[1]!);
    });
    child.on("close", () => reject(new Error(`butler serve exited: ${running.stderr}`)));
  });
  return { ...running, url };
}

async function stop(running: { child: ChildProcess }): Promise<void> {
  const closed = new Promise((resolve) => running.child.on("close", resolve));
  running.child.kill("SIGTERM");
  await closed;
}

describe("butler serve --config", () => {
  let dir: string;
  let repo: string;
  let server: Running & { url: string };
  let readerToken: string;
  let writerToken: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "butler-serve-config-"));
    repo = join(dir, "repo");
    await makeDemoRepo(repo, DEMO);
    const reader = await runButler("token", "create", repo, "--user", "ann", "--group", "astro");
    assert.equal(reader.status, 0, reader.stderr);
    readerToken = reader.stdout.trim();
    const writer = await runButler("token", "create", repo, "--user", "bob", "--group", "pipeline");
    assert.equal(writer.status, 0, writer.stderr);
    writerToken = writer.stdout.trim();
    writeFileSync(join(dir, "signing.key"), randomBytes(32).toString("hex"));
    writeFileSync(
      join(dir, "server.yaml"),
      [
        "repositories:",
        "  survey:",
        "    uri: repo",
        "    read_groups: [astro, pipeline]",
        "    write_groups: [pipeline]",
        "auth:",
        "  mode: tokens",
        "signing_key_file: signing.key",
        "access_log: off",
        "",
      ].join("\n"),
    );
    server = await startServe("--config", join(dir, "server.yaml"));
  });

  after(async () => {
    if (server !== undefined) await stop(server);
    rmSync(dir, { recursive: true, force: true });
  });

  test("prints the repository's URL and the page's, and says how users authenticate", () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/api\/butler\/repo\/survey$/);
    assert.match(server.stdout, /Web page at http:\/\/127\.0\.0\.1:\d+\/\n/);
    assert.match(server.stdout, /Authentication: bearer tokens/);
  });

  test("a request without a token is 401; with a reader's token it is answered", async () => {
    const anonymous = await fetch(`${server.url}/v1/universe`);
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { error_type: string }).error_type, "UNAUTHENTICATED");
    const ann = await fetch(`${server.url}/v1/universe`, {
      headers: { authorization: `Bearer ${readerToken}` },
    });
    assert.equal(ann.status, 200);
  });

  test("the page is public, its API needs a token", async () => {
    const origin = new URL(server.url).origin;
    const page = await fetch(`${origin}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const api = await fetch(`${origin}/web/api/survey/summary`);
    assert.equal(api.status, 401);
    const withToken = await fetch(`${origin}/web/api/survey/summary`, {
      headers: { authorization: `Bearer ${readerToken}` },
    });
    assert.equal(withToken.status, 200);
  });

  test("only the write group may put", async () => {
    const body = JSON.stringify({
      dataset_type: "calexp",
      data_id: { instrument: "DemoCam", visit: 2026031000, detector: 0 },
      run: "u/ann/test",
      size: 10,
      checksum: "0".repeat(64),
    });
    const headers = (token: string) => ({
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
    });
    const ann = await fetch(`${server.url}/v1/put/prepare`, {
      method: "POST",
      body,
      headers: headers(readerToken),
    });
    assert.equal(ann.status, 403);
    const bob = await fetch(`${server.url}/v1/put/prepare`, {
      method: "POST",
      body,
      headers: headers(writerToken),
    });
    assert.notEqual(bob.status, 401);
    assert.notEqual(bob.status, 403);
  });
});

describe("butler serve REPO", () => {
  test("asks for tokens on a non-loopback address unless --auth says otherwise; refuses a bad --auth", async () => {
    const dir = mkdtempSync(join(tmpdir(), "butler-serve-auth-"));
    try {
      const repo = join(dir, "repo");
      await makeDemoRepo(repo, DEMO);
      const server = await startServe(repo, "--host", "0.0.0.0", "--no-web");
      try {
        assert.match(server.stdout, /Authentication: bearer tokens/);
        const port = new URL(server.url).port;
        const anonymous = await fetch(`http://127.0.0.1:${port}/api/butler/repo/main/v1/universe`);
        assert.equal(anonymous.status, 401);
        assert.doesNotMatch(server.stdout, /Web page/);
      } finally {
        await stop(server);
      }
      const bad = await runButler("serve", repo, "--auth", "maybe");
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /--auth must be one of tokens, proxy, none; got 'maybe'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
