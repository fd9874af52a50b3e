/**
 * removeRuns and pruneDatasets: rows, records and files go together; option combinations that make no
 * sense and collections of the wrong type are refused before anything is removed.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Butler } from "../../src/butler/index.ts";
import { CollectionType, type DatasetRef } from "../../src/core/index.ts";
import { CollectionTypeError, InvalidArgumentError, MissingCollectionError } from "../../src/errors/index.ts";
import { calexpExposure, DATA_ID, datastoreFiles, makeRepo, RUN } from "./helpers.ts";

async function putMany(butler: Butler, detectors: readonly number[], run = RUN): Promise<DatasetRef[]> {
  const exposure = await calexpExposure();
  const refs: DatasetRef[] = [];
  for (const detector of detectors)
    refs.push(await butler.put(exposure, "calexp", { ...DATA_ID, detector }, { run }));
  return refs;
}

describe("removeRuns", () => {
  test("removes the run, its datasets, records and files; other runs stay", async () => {
    const { repo, butler } = await makeRepo();
    await butler.registry.registerRun("HSC/runs/keep");
    await putMany(butler, [16, 17, 18]);
    const kept = await putMany(butler, [16], "HSC/runs/keep");
    assert.equal(datastoreFiles(repo).length, 4);
    assert.equal(await butler.removeRuns([RUN]), 3);
    await assert.rejects(butler.registry.getCollectionType(RUN), MissingCollectionError);
    assert.equal(datastoreFiles(repo).length, 1);
    assert.deepEqual(await butler.datastore.records.listTrash(), []);
    assert.ok(await butler.get("calexp.bbox", DATA_ID, { collections: "HSC/runs/keep" }));
    assert.equal(await butler.exists(kept[0]!), true);
  });

  test("a run in a chain is refused unless unlinkFromChains; a non-RUN is a CollectionTypeError", async () => {
    const { repo, butler } = await makeRepo();
    await putMany(butler, [16]);
    await butler.registry.registerCollection("chain", CollectionType.CHAINED);
    await butler.registry.setCollectionChain("chain", [RUN]);
    await assert.rejects(butler.removeRuns("chain"), CollectionTypeError);
    await assert.rejects(butler.removeRuns(RUN));
    // Refused as a whole: nothing went.
    assert.equal(datastoreFiles(repo).length, 1);
    assert.ok(await butler.get("calexp.bbox", DATA_ID));
    await butler.removeRuns(RUN, { unlinkFromChains: true });
    assert.deepEqual(await butler.registry.getCollectionChain("chain"), []);
    assert.deepEqual(datastoreFiles(repo), []);
  });

  test("unstore: false forgets the datasets and leaves their files", async () => {
    const { repo, butler } = await makeRepo();
    await putMany(butler, [16, 17]);
    await butler.removeRuns(RUN, { unstore: false });
    assert.equal(datastoreFiles(repo).length, 2);
    assert.deepEqual(await butler.datastore.records.listTrash(), []);
  });
});

describe("pruneDatasets", () => {
  test("purge removes rows, records and files of just those datasets", async () => {
    const { repo, butler } = await makeRepo();
    const refs = await putMany(butler, [16, 17, 18]);
    const file = fileURLToPath(await butler.getURI(refs[0]!));
    await butler.pruneDatasets([refs[0]!], { purge: true, unstore: true });
    assert.ok(!existsSync(file));
    assert.equal(await butler.registry.getDataset(refs[0]!.id), null);
    assert.equal(await butler.exists("calexp", DATA_ID), false);
    assert.equal(datastoreFiles(repo).length, 2);
    assert.equal(await butler.exists(refs[1]!), true);
  });

  test("unstore without purge keeps the registry row; disassociate takes datasets out of a TAGGED collection", async () => {
    const { butler } = await makeRepo();
    const refs = await putMany(butler, [16, 17]);
    await butler.registry.registerCollection("tagged", CollectionType.TAGGED);
    await butler.registry.associate("tagged", refs);
    await butler.pruneDatasets([refs[0]!], { disassociate: false, unstore: true });
    assert.notEqual(await butler.registry.getDataset(refs[0]!.id), null);
    assert.equal(await butler.exists(refs[0]!), false);
    await butler.pruneDatasets([refs[1]!], { tags: ["tagged"] });
    assert.deepEqual(
      (await butler.registry.findFirstDatasets("calexp", ["tagged"])).map((r) => r.id),
      [refs[0]!.id],
    );
    assert.equal(await butler.exists(refs[1]!), true);
  });

  test("nonsense options and wrong collection types are refused before anything is removed", async () => {
    const { repo, butler } = await makeRepo();
    const refs = await putMany(butler, [16]);
    await assert.rejects(
      butler.pruneDatasets(refs, { purge: true }),
      (err: unknown) => err instanceof InvalidArgumentError && /purge needs unstore/.test(err.message),
    );
    await assert.rejects(
      butler.pruneDatasets(refs, { purge: true, unstore: true, disassociate: false }),
      /purge needs disassociate/,
    );
    await assert.rejects(
      butler.pruneDatasets(refs, { unstore: true }),
      /disassociate needs the TAGGED collections/,
    );
    await assert.rejects(butler.pruneDatasets(refs, { tags: [RUN] }), CollectionTypeError);
    await assert.rejects(
      butler.pruneDatasets([butler.componentRef(refs[0]!, "wcs")], { purge: true, unstore: true }),
      /is a component/,
    );
    assert.equal(datastoreFiles(repo).length, 1);
    assert.equal(await butler.exists(refs[0]!), true);
  });
});
