/**
 * The page's API on repositories whose files are remote — WebDAV (nginx) and S3 (s3rver) — as on a
 * local one: search, summary, header, a subsampled preview, the values under the pointer, a cutout
 * byte-equal to `butler get --bbox`, and the sky. The page itself is the same script as in
 * page.test.ts; what differs is only where the bytes come from.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Butler } from "../../src/butler/index.ts";
import { closeSharedDispatcher } from "../../src/bytes/http-client.ts";
import { localServerConfig, type Serving, startServing } from "../../src/cli/serving.ts";
import { DEMO_CHAIN, makeDemoRepo } from "../../src/demo/demo-survey.ts";
import { closeS3Clients } from "../../src/resources/s3-client.ts";
import { previewInfo } from "../support/browser.ts";
import { cliCutout } from "../support/cli.ts";
import { NginxServer, nginxUnavailable } from "../support/servers/nginx.ts";
import { S3Server } from "../support/servers/s3rver.ts";

const scratch = mkdtempSync(join(tmpdir(), "butler-web-remote-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Kind {
  name: string;
  skip?: string;
  start(): Promise<string>;
  stop(): Promise<void>;
}

const BUCKET = "butler-web";
let nginx: NginxServer | undefined;
let s3: S3Server | undefined;
const saved: Record<string, string | undefined> = {};

const kinds: Kind[] = [
  {
    name: "WebDAV (nginx)",
    ...(nginxUnavailable() === undefined ? {} : { skip: nginxUnavailable()! }),
    async start() {
      nginx = await NginxServer.start();
      return `${nginx.origin}/web-demo/`;
    },
    async stop() {
      await closeSharedDispatcher();
      await nginx?.stop();
    },
  },
  {
    name: "S3 (s3rver)",
    async start() {
      s3 = await S3Server.start([BUCKET]);
      for (const [key, value] of Object.entries(s3.env())) {
        saved[key] = process.env[key];
        process.env[key] = value;
      }
      return `s3://${BUCKET}/web-demo/`;
    },
    async stop() {
      closeS3Clients();
      await s3?.stop();
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
  },
];

for (const kind of kinds) {
  describe(`the page's API on a ${kind.name} datastore`, { skip: kind.skip ?? false }, () => {
    const repo = join(scratch, kind.name.split(" ")[0]!);
    let butler: Butler;
    let ui: Serving;
    let base: string;
    let id: string;

    before(async () => {
      const root = await kind.start();
      await makeDemoRepo(repo, { visits: 2, detectors: 1, size: [96, 64], datastoreRoot: root });
      ui = await startServing(localServerConfig(repo, { name: "remote" }), { readOnly: true });
      butler = ui.repositories[0]!.butler;
      base = `${ui.origin}/web/api/remote`;
      id = (await butler.registry.queryDatasets("calexp", { collections: [DEMO_CHAIN], findFirst: true }))[0]!
        .id;
    });
    after(async () => {
      await ui?.close();
      await kind.stop();
    });

    const json = async (path: string) => {
      const response = await fetch(`${base}${path}`);
      assert.equal(response.status, 200, await response.clone().text());
      return response.json() as Promise<Record<string, unknown>>;
    };

    test("search, summary and header", async () => {
      const page = await json(
        `/search?datasetType=calexp&collections=${encodeURIComponent(DEMO_CHAIN)}&where=detector%3D0`,
      );
      assert.equal((page.rows as unknown[]).length, 2);
      const summary = await json(`/dataset/${id}`);
      assert.match(String(summary.uri), kind.name.startsWith("S3") ? /^s3:\/\// : /^https?:\/\//);
      assert.ok((summary.wcs as { centre: unknown }).centre);
      const { cards } = (await json(`/dataset/${id}/header`)) as { cards: { key: string }[] };
      assert.ok(cards.some((c) => c.key === "SKYLEVEL"));
    });

    test("a subsampled preview, the values under the pointer, and the sky", async () => {
      const preview = await fetch(`${base}/dataset/${id}/preview.png?size=24&masks=DETECTED`);
      assert.equal(preview.status, 200);
      const info = previewInfo(preview);
      assert.equal(info.step, 4);
      assert.ok(info.bytesRead > 0);
      const pixel = await json(`/dataset/${id}/pixel?x=10&y=20`);
      assert.equal(pixel.inside, true);
      assert.equal(typeof pixel.ra, "number");
      const sky = (await json(`/sky?datasetType=calexp&collections=${encodeURIComponent(DEMO_CHAIN)}`)) as {
        footprints: { kind: string; datasetId?: string }[];
      };
      assert.ok(sky.footprints.some((f) => f.kind === "detector" && f.datasetId === id));
    });

    test("a cutout is byte-equal to butler get --bbox", async () => {
      const response = await fetch(`${base}/dataset/${id}/cutout.fits?bbox=5,6,40,30`);
      assert.equal(response.status, 200);
      const ref = (await butler.registry.getDataset(id))!;
      const out = join(scratch, `${kind.name.split(" ")[0]}-cutout.fits`);
      const run = await cliCutout(repo, "calexp", DEMO_CHAIN, ref.dataId.requiredObject(), "5,6,40,30", out);
      assert.equal(run.status, 0, run.stderr);
      assert.ok(Buffer.from(await response.arrayBuffer()).equals(readFileSync(out)));
    });
  });
}
