/**
 * The butler over each registry engine (SQLite, and PostgreSQL at 127.0.0.1:5432): a repository whose
 * butler.yaml names a `postgresql://` registry, put/get of components and cutouts, getMany, a failed
 * put that leaves nothing, ingest, pruneDatasets and removeRuns.
 */
import assert from "node:assert/strict";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { Butler } from "../../src/butler/index.ts";
import { FormatterError } from "../../src/errors/index.ts";
import { Box2I } from "../../src/image/box.ts";
import type { Exposure } from "../../src/image/exposure.ts";
import { forEachDialect } from "../registry/registry-support.ts";
import {
  CALEXP_FIXTURE,
  calexpExposure,
  calexpType,
  DATA_ID,
  datastoreFiles,
  freshDir,
  loadHscDimensions,
  RUN,
} from "./helpers.ts";

forEachDialect("butler", (ctx) => {
  test("a repository on this engine: put, get, getMany, a failed put, ingest, prune and remove", async () => {
    const repo = freshDir(`repo-${ctx.dialect}`);
    const db = ctx.newUri();
    await Butler.create(repo, { db });
    assert.equal(parse(readFileSync(join(repo, "butler.yaml"), "utf8")).registry.db, db);
    const butler = await Butler.open(repo, { run: RUN });
    try {
      await loadHscDimensions(butler);
      await butler.registry.registerDatasetType(calexpType(butler));
      const exposure: Exposure = await calexpExposure();
      const refs = [];
      for (const detector of [16, 17, 18])
        refs.push(await butler.put(exposure, "calexp", { ...DATA_ID, detector }));

      const whole = await butler.get<Exposure>("calexp", DATA_ID);
      assert.ok(whole.maskedImage.equals(exposure.maskedImage));
      assert.ok(exposure.info.wcs!.equals((await butler.get("calexp.wcs", DATA_ID)) as never));
      const box = Box2I.fromXYWH(12, 8, 6, 5);
      const cut = await butler.get<Exposure>(
        "calexp",
        { ...DATA_ID, detector: 17 },
        { parameters: { bbox: box } },
      );
      assert.ok(cut.maskedImage.equals(exposure.maskedImage.subset(box)));
      const boxes = await butler.getMany<Box2I>(
        [18, 16, 17].map((detector) => ({ datasetType: "calexp.bbox", dataId: { ...DATA_ID, detector } })),
      );
      assert.ok(boxes.every((b) => b.equals(exposure.bbox)));

      const files = datastoreFiles(repo);
      await assert.rejects(
        butler.put("not an exposure", "calexp", { ...DATA_ID, detector: 22 }),
        FormatterError,
      );
      assert.deepEqual(datastoreFiles(repo), files);
      assert.equal(await butler.exists("calexp", { ...DATA_ID, detector: 22 }), false);

      const source = join(freshDir("ingest"), "calexp.fits");
      copyFileSync(CALEXP_FIXTURE, source);
      await butler.ingest({
        path: source,
        refs: { datasetType: "calexp", dataId: { ...DATA_ID, detector: 22 } },
      });
      assert.ok(await butler.get("calexp.metadata", { ...DATA_ID, detector: 22 }));

      await butler.pruneDatasets([refs[0]!], { purge: true, unstore: true });
      assert.equal(await butler.exists(refs[0]!), false);
      assert.equal(datastoreFiles(repo).length, 3);
      assert.equal(await butler.removeRuns(RUN), 3);
      assert.deepEqual(datastoreFiles(repo), []);
      assert.deepEqual(await butler.registry.queryCollections(), []);
    } finally {
      await butler.close();
    }
  });
});
