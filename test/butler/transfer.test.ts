/**
 * Datasets between repositories: export → import round trips (files copied beside the export, or
 * referenced where they are), daf_butler's own ci_hsc export with its files, transferFrom keeping
 * IDs, and retrieveArtifacts.
 */
import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Butler } from "../../src/butler/index.ts";
import type { DatasetRef } from "../../src/core/index.ts";
import {
  ConflictingDefinitionError,
  InvalidArgumentError,
  MissingDatasetTypeError,
} from "../../src/errors/index.ts";
import type { Exposure } from "../../src/image/exposure.ts";
import { parseExport } from "../../src/registry/interchange/index.ts";
import { PEER_DATA } from "../support/fixtures.ts";
import {
  CALEXP_FIXTURE,
  calexpExposure,
  DATA_ID,
  datastoreFiles,
  freshDir,
  makeRepo,
  open,
  RUN,
} from "./helpers.ts";

const exposure: Exposure = await calexpExposure();

/** A new empty repository (no dimension records, no dataset types), opened writeable. */
async function emptyRepo(name: string): Promise<{ repo: string; butler: Butler }> {
  const repo = freshDir(name);
  await Butler.create(repo);
  return { repo, butler: await open(repo, { writeable: true }) };
}

describe("export and import between two repositories", () => {
  let source: Butler;
  let refs: DatasetRef[];
  before(async () => {
    ({ butler: source } = await makeRepo());
    refs = [];
    for (const detector of [16, 17])
      refs.push(await source.put(exposure, "calexp", { ...DATA_ID, detector }));
  });

  test("with the files copied beside the export: same IDs, data IDs and pixels", async () => {
    const directory = freshDir("export-copy");
    const file = await source.export(refs, { directory, transfer: "copy" });
    assert.equal(file, join(directory, "export.yaml"));
    const document = parseExport(readFileSync(file, "utf8"));
    const kinds = document.items.map((i) => (i.kind === "dimension" ? `dimension:${i.element}` : i.kind));
    for (const kind of [
      "dimension:instrument",
      "dimension:visit",
      "dimension:detector",
      "collection",
      "dataset_type",
      "dataset",
    ]) {
      assert.ok(kinds.includes(kind), `${kind} in ${kinds.join(", ")}`);
    }
    const { repo: targetRepo, butler: target } = await emptyRepo("import-copy");
    const result = await target.import(directory, { transfer: "copy" });
    assert.deepEqual(result.refs.map((r) => r.id).sort(), refs.map((r) => r.id).sort());
    assert.equal(result.summary.counts.datasets, 2);
    for (const ref of refs) {
      const back = await target.get<Exposure>("calexp", ref.dataId, { collections: RUN });
      assert.ok(back.maskedImage.equals(exposure.maskedImage));
      assert.equal((await target.registry.getDataset(ref.id))?.dataId.get("physical_filter"), "HSC-R");
    }
    assert.equal(datastoreFiles(targetRepo).length, 2);
    assert.ok(datastoreFiles(targetRepo).every((p) => lstatSync(join(targetRepo, p)).isFile()));
  });

  test("without a transfer the export names the files where they are; import symlinks them", async () => {
    const directory = freshDir("export-ref");
    const file = await source.export(refs, { directory });
    assert.deepEqual(datastoreFiles(directory), ["export.yaml"]);
    assert.match(readFileSync(file, "utf8"), /path: \/.*\.fits/);
    const { butler: target } = await emptyRepo("import-ref");
    const result = await target.import(directory, { transfer: "symlink" });
    const uri = await target.getURI(result.refs[0]!);
    assert.ok(lstatSync(fileURLToPath(uri)).isSymbolicLink());
    assert.ok(await target.get("calexp.bbox", result.refs[0]!.dataId, { collections: RUN }));
  });

  test("a failed import (a missing file) leaves the target as it was", async () => {
    const directory = freshDir("export-broken");
    const file = await source.export(refs, { directory, transfer: "copy" });
    const text = readFileSync(file, "utf8");
    const firstPath = /path: (.*\.fits)/.exec(text)![1]!;
    writeFileSync(file, text.replace(firstPath, `${firstPath}.gone`));
    const { repo, butler: target } = await emptyRepo("import-broken");
    await assert.rejects(target.import(directory), /no such file/);
    assert.deepEqual(await target.registry.queryCollections(), []);
    assert.deepEqual(datastoreFiles(repo), []);
  });
});

describe("importing daf_butler's ci_hsc export with its files", () => {
  test("paths are resolved in the export directory and daf_butler's formatter names map to ours", async () => {
    const directory = freshDir("ci-hsc");
    const original = readFileSync(join(PEER_DATA, "ci_hsc-subset.yaml"), "utf8");
    // The export names no formatters; give each file daf_butler's FITS exposure formatter, as newer exports do.
    const text = original.replace(
      /^(\s+)path: (.*\.fits)$/gm,
      "$1path: $2\n$1formatter: lsst.obs.base.formatters.fitsExposure.FitsExposureFormatter",
    );
    writeFileSync(join(directory, "export.yaml"), text);
    const paths = [...original.matchAll(/^\s+path: (.*\.fits)$/gm)].map((m) => m[1]!);
    assert.equal(paths.length, 33);
    for (const path of paths) {
      mkdirSync(join(directory, dirname(path)), { recursive: true });
      symlinkSync(CALEXP_FIXTURE, join(directory, path));
    }
    const { repo, butler } = await emptyRepo("ci-hsc-target");
    const { refs, summary } = await butler.import(directory, { transfer: "symlink" });
    assert.equal(refs.length, 33);
    assert.equal(summary.counts.datasets, 33);
    const record = await butler.datastore.getRecord(refs[0]!.id);
    assert.equal(record.formatter, "FitsExposureFormatter");
    assert.equal(record.byteIndex?.kind, "fits");
    const run = refs[0]!.run;
    const header = await butler.get(
      "calexp.metadata",
      { instrument: "HSC", visit: 903334, detector: 23 },
      { collections: run },
    );
    assert.ok(header);
    assert.equal(datastoreFiles(repo).length, 33);
  });
});

describe("transferFrom", () => {
  test("copies datasets keeping their IDs, registering types and dimension records when asked", async () => {
    const { butler: source } = await makeRepo();
    const refs: DatasetRef[] = [];
    for (const detector of [16, 17])
      refs.push(await source.put(exposure, "calexp", { ...DATA_ID, detector }));
    const { repo, butler: target } = await emptyRepo("transfer-target");
    await assert.rejects(
      target.transferFrom(source, refs, { transferDimensions: true }),
      MissingDatasetTypeError,
    );
    const added = await target.transferFrom(source, refs, {
      registerDatasetTypes: true,
      transferDimensions: true,
    });
    assert.deepEqual(
      added.map((r) => r.id),
      refs.map((r) => r.id),
    );
    const back = await target.get<Exposure>(refs[1]!);
    assert.ok(back.maskedImage.equals(exposure.maskedImage));
    assert.equal(datastoreFiles(repo).length, 2);
    // Already there: nothing to do.
    assert.deepEqual(await target.transferFrom(source, refs), []);
    const readOnly = await open(repo);
    await assert.rejects(readOnly.transferFrom(source, refs), /read-only/);
  });
});

describe("retrieveArtifacts", () => {
  test("keeps datastore paths or flattens them; refuses move and clobbering", async () => {
    const { butler } = await makeRepo();
    const refs: DatasetRef[] = [];
    for (const detector of [16, 17])
      refs.push(await butler.put(exposure, "calexp", { ...DATA_ID, detector }));
    const kept = freshDir("artifacts");
    const written = await butler.retrieveArtifacts(refs, kept);
    const record = await butler.datastore.getRecord(refs[0]!.id);
    assert.equal(written[0], join(kept, record.path));
    assert.ok(existsSync(written[1]!));
    const flat = freshDir("flat");
    const flattened = await butler.retrieveArtifacts(refs, flat, {
      preservePath: false,
      transfer: "hardlink",
    });
    assert.deepEqual(flattened, [join(flat, basename(record.path)), join(flat, basename(written[1]!))]);
    await assert.rejects(
      butler.retrieveArtifacts(refs, flat, { preservePath: false }),
      ConflictingDefinitionError,
    );
    assert.equal(
      (await butler.retrieveArtifacts(refs, flat, { preservePath: false, overwrite: true })).length,
      2,
    );
    await assert.rejects(butler.retrieveArtifacts(refs, flat, { transfer: "move" }), InvalidArgumentError);
  });
});
