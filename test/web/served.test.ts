/**
 * The page inside the butler server, as `butler serve` hosts it: the plugin registered among the app's
 * plugins after the guard, the page's files public, its API under the guard's tokens and read groups
 * like the server's own routes, and both kinds of route answering side by side.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Butler } from "../../src/butler/index.ts";
import { loadServerConfig } from "../../src/server/config.ts";
import { guardPlugin } from "../../src/server/guard/index.ts";
import { webPlugin } from "../../src/web/plugin.ts";
import { type Served, serveDemo } from "../server/server-support.ts";

const CONFIG = `
repositories:
  main: {uri: repo, read_groups: [survey], write_groups: [admin]}
signing_key_file: signing.key
auth: {mode: tokens}
`;

const confDir = mkdtempSync(join(tmpdir(), "butler-web-served-"));
let served: Served;
let reader = "";
let outsider = "";

before(async () => {
  writeFileSync(join(confDir, "signing.key"), "ab".repeat(32));
  writeFileSync(join(confDir, "server.yaml"), CONFIG);
  const config = loadServerConfig(join(confDir, "server.yaml"));
  served = await serveDemo("sqlite", {
    signingKey: config.app.signingKey,
    plugins: [
      guardPlugin({
        ...config.guard,
        tokenStore: (name) => (name === "main" ? served.butler.registry.tokens : undefined),
        accessLog: () => {},
      }),
      webPlugin({
        resolveButler: async () => served.butler,
        repositories: () => ["main"],
      }),
    ],
  });
  const admin = await Butler.open(join(served.dir, "repo"), { writeable: true });
  try {
    reader = (await admin.registry.tokens.create({ user: "rita", groups: ["survey"] })).token;
    outsider = (await admin.registry.tokens.create({ user: "otto", groups: ["other"] })).token;
  } finally {
    await admin.close();
  }
});
after(async () => {
  await served?.close();
  rmSync(confDir, { recursive: true, force: true });
});

const as = (token?: string) => (token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

test("the page's files are public; its API takes the guard's tokens and read groups", async () => {
  const page = await fetch(`${served.origin}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type")!, /^text\/html/);
  // Every file of the page is served (a module missing from the plugin's list would break the page).
  const assets = readdirSync(new URL("../../src/web/assets/", import.meta.url)).filter(
    (f) => f !== "index.html",
  );
  assert.ok(assets.includes("app.js"));
  for (const file of assets) {
    assert.equal((await fetch(`${served.origin}/web/assets/${file}`)).status, 200, file);
  }

  const summary = `${served.origin}/web/api/main/summary`;
  assert.equal((await fetch(summary)).status, 401);
  assert.equal((await fetch(summary, as(outsider))).status, 403);
  const allowed = await fetch(summary, as(reader));
  assert.equal(allowed.status, 200);
  const body = (await allowed.json()) as { datasetTypes: { name: string; count: number }[] };
  assert.ok(body.datasetTypes.some((t) => t.name === "calexp" && t.count === 4));

  const [ref] = await served.butler.registry.queryDatasets("calexp", { collections: "*" });
  const preview = await fetch(
    `${served.origin}/web/api/main/dataset/${ref!.id}/preview.png?size=32`,
    as(reader),
  );
  assert.equal(preview.status, 200);
  assert.equal(preview.headers.get("content-type"), "image/png");
});

test("the server's own routes answer beside the page's", async () => {
  const health = await fetch(`${served.base}/`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { name: string }).name, "main");
});
