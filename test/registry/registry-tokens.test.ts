/**
 * Access tokens in the registry, on every dialect: made, checked, listed, revoked and expired; stored
 * only as hashes; shared by every opening of the repository; and a registry made before the token table
 * existed (the table dropped) reads as having none until its first token creates the table.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { sql } from "kysely";
import { isButlerError } from "../../src/errors/index.ts";
import { Registry, TOKEN_TABLE } from "../../src/registry/index.ts";
import { forEachDialect } from "./registry-support.ts";

forEachDialect("registry tokens", (ctx) => {
  test("a token is checked against its stored hash and grants its user and groups", async () => {
    const registry = await ctx.makeRegistry();
    const { token, record } = await registry.tokens.create({
      user: "alice",
      groups: ["survey", "admin", "survey"],
    });
    assert.match(token, /^butler_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(record.groups, ["survey", "admin"]);
    const check = await registry.tokens.verify(token);
    assert.equal(check.ok, true);
    assert.deepEqual(check.ok && check.record, { ...record });

    const rows = await registry.internals.database.rows<Record<string, unknown>>(
      sql`SELECT * FROM ${sql.table(TOKEN_TABLE)}`,
    );
    assert.equal(rows.length, 1);
    const secret = token.slice(token.lastIndexOf("_") + 1);
    for (const value of Object.values(rows[0]!)) {
      assert.ok(!String(value).includes(secret), "the token's secret is stored");
    }

    // One changed character of the secret, an unknown id, and things that are not tokens.
    const last = token.at(-1) === "A" ? "B" : "A";
    assert.deepEqual(await registry.tokens.verify(token.slice(0, -1) + last), {
      ok: false,
      reason: "unknown",
    });
    assert.deepEqual(await registry.tokens.verify(`butler_${"0".repeat(16)}${token.slice(23)}`), {
      ok: false,
      reason: "unknown",
    });
    for (const bad of ["", "butler_", token.slice(0, -1), `${token}x`, "Bearer x"]) {
      assert.deepEqual(await registry.tokens.verify(bad), { ok: false, reason: "malformed" }, bad);
    }
  });

  test("revoked and expired tokens are refused; list shows them without tokens", async () => {
    const registry = await ctx.makeRegistry();
    const now = Date.now();
    const a = await registry.tokens.create({ user: "a" }, now);
    const b = await registry.tokens.create({ user: "b", expiresAt: now + 60_000 }, now + 1);
    assert.equal((await registry.tokens.verify(b.token, now + 59_999)).ok, true);
    assert.deepEqual(await registry.tokens.verify(b.token, now + 60_000), { ok: false, reason: "expired" });

    const revoked = await registry.tokens.revoke(a.record.id, now + 5);
    assert.equal(revoked.revoked, true);
    assert.equal(revoked.revokedAt, now + 5);
    assert.deepEqual(await registry.tokens.verify(a.token), { ok: false, reason: "revoked" });
    assert.equal(
      (await registry.tokens.revoke(a.record.id, now + 9)).revokedAt,
      now + 5,
      "revoking again keeps the first time",
    );

    const listed = await registry.tokens.list();
    assert.deepEqual(
      listed.map((r) => [r.id, r.user, r.revoked, r.expiresAt]),
      [
        [a.record.id, "a", true, null],
        [b.record.id, "b", false, now + 60_000],
      ],
    );
    await assert.rejects(registry.tokens.revoke("0123456789abcdef"), (err) =>
      isButlerError(err, "TOKEN_NOT_FOUND"),
    );
  });

  test("bad users, groups and expiries are typed errors; a read-only registry refuses writes", async () => {
    const uri = ctx.newUri();
    const registry = ctx.track(await Registry.create({ db: uri }));
    for (const options of [
      { user: "" },
      { user: "a b" },
      { user: "a", groups: ["x,y"] },
      { user: "a", expiresAt: 1 },
    ]) {
      await assert.rejects(registry.tokens.create(options), (err) => isButlerError(err, "INVALID_ARGUMENT"));
    }
    const { token, record } = await registry.tokens.create({ user: "a" });
    const reader = ctx.track(await Registry.open({ db: uri, writeable: false }));
    assert.equal((await reader.tokens.verify(token)).ok, true, "another opening sees the token");
    await assert.rejects(reader.tokens.create({ user: "b" }), (err) =>
      isButlerError(err, "READ_ONLY_REGISTRY"),
    );
    await assert.rejects(reader.tokens.revoke(record.id), (err) => isButlerError(err, "READ_ONLY_REGISTRY"));
    await registry.tokens.revoke(record.id);
    assert.deepEqual(await reader.tokens.verify(token), { ok: false, reason: "revoked" });
  });

  test("a registry without the token table has no tokens until the first is created", async () => {
    const uri = ctx.newUri();
    const old = ctx.track(await Registry.create({ db: uri }));
    await old.internals.database.rows(sql`DROP TABLE ${sql.table(TOKEN_TABLE)}`);
    await old.close();

    const reader = ctx.track(await Registry.open({ db: uri, writeable: false }));
    assert.deepEqual(await reader.tokens.list(), []);
    assert.deepEqual(await reader.tokens.verify(`butler_${"1".repeat(16)}_${"a".repeat(43)}`), {
      ok: false,
      reason: "unknown",
    });
    const writer = ctx.track(await Registry.open({ db: uri }));
    const { token } = await writer.tokens.create({ user: "late" });
    assert.equal(await writer.dialect.hasTable(TOKEN_TABLE), true);
    const again = ctx.track(await Registry.open({ db: uri, writeable: false }));
    assert.equal((await again.tokens.verify(token)).ok, true);
  });
});
