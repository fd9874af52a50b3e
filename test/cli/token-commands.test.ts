/** `butler token create|list|revoke` run as the user runs them, on a new repository. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Butler } from "../../src/butler/index.ts";
import { runButler as butler } from "../support/cli.ts";

describe("butler token", () => {
  let dir = "";
  let repo = "";
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "butler-token-cli-"));
    repo = join(dir, "repo");
    const run = await butler("create", repo);
    assert.equal(run.status, 0, run.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("create prints the token once, list never shows it, revoke makes it refused", async () => {
    const created = await butler(
      "token",
      "create",
      repo,
      "--user",
      "alice",
      "--group",
      "survey,admin",
      "--expires",
      "2h",
    );
    assert.equal(created.status, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(created.stdout, /^butler_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/);
    const id = token.split("_")[1]!;
    assert.match(created.stderr, new RegExp(`Token ${id} for alice \\(groups: survey, admin\\), expires `));

    const plain = await butler("token", "create", repo, "--user", "bob");
    assert.equal(plain.status, 0, plain.stderr);

    const table = await butler("token", "list", repo);
    assert.equal(table.status, 0, table.stderr);
    const lines = table.stdout.trimEnd().split("\n");
    assert.match(lines[0]!, /^id\s+user\s+groups\s+created\s+expires\s+status$/);
    assert.equal(lines.length, 4);
    assert.match(lines[2]!, new RegExp(`^${id} alice survey,admin \\S+Z \\S+Z active$`));

    const json = await butler("token", "list", repo, "--format", "json");
    const rows = JSON.parse(json.stdout) as Record<string, string | null>[];
    assert.deepEqual(
      rows.map((r) => [r.user, r.groups, r.status, r.expires === null]),
      [
        ["alice", "survey,admin", "active", false],
        ["bob", "", "active", true],
      ],
    );
    const hours = (Date.parse(rows[0]!.expires!) - Date.parse(rows[0]!.created!)) / 3_600_000;
    assert.ok(Math.abs(hours - 2) < 0.01, `expires ${hours} h after creation`);
    const csv = await butler("token", "list", repo, "--format", "csv");
    assert.equal(csv.stdout.split("\n")[0], "id,user,groups,created,expires,status");
    for (const output of [table.stdout, json.stdout, csv.stdout]) {
      assert.ok(!output.includes(token.slice(24)), "a listing shows a token's secret");
    }

    const revoked = await butler("token", "revoke", repo, id);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.equal(revoked.stdout, `Revoked token ${id} of alice.\n`);
    const after = JSON.parse((await butler("token", "list", repo, "--format", "json")).stdout) as {
      status: string;
    }[];
    assert.deepEqual(
      after.map((r) => r.status),
      ["revoked", "active"],
    );
    const opened = await Butler.open(repo, { writeable: false });
    try {
      assert.deepEqual(await opened.registry.tokens.verify(token), { ok: false, reason: "revoked" });
    } finally {
      await opened.close();
    }
  });

  test("an unknown id, a bad duration and a missing user are errors with their statuses", async () => {
    const unknown = await butler("token", "revoke", repo, "ffffffffffffffff");
    assert.equal(unknown.status, 3);
    assert.match(unknown.stderr, /\[TOKEN_NOT_FOUND\].*'ffffffffffffffff'.*butler token list/);
    const badDuration = await butler("token", "create", repo, "--user", "x", "--expires", "soon");
    assert.equal(badDuration.status, 2);
    assert.match(badDuration.stderr, /duration 'soon' is not accepted; write a positive whole number/);
    const noUser = await butler("token", "create", repo);
    assert.equal(noUser.status, 2);
    assert.match(noUser.stderr, /--user/);
    const badUser = await butler("token", "create", repo, "--user", "a b");
    assert.equal(badUser.status, 2);
    assert.match(badUser.stderr, /\[INVALID_ARGUMENT\]: user 'a b' is not accepted/);
  });
});
