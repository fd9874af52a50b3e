// UNIT TEST OF ORDERING ONLY. importExport runs here against a tiny in-memory fake that implements
// ImportTarget and records the calls, to check what is called, in which order and with which
// arguments. It does not test a registry: the SQL registry's own tests import these files for real.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import {
  CollectionType,
  type DatasetRef,
  type DatasetType,
  type DimensionRecord,
  defaultUniverse,
  Timespan,
} from "../../src/core/index.ts";
import { ExportFormatError } from "../../src/errors/index.ts";
import { type ImportTarget, importExport, parseExport } from "../../src/registry/interchange/index.ts";
import { parseButlerTime } from "../../src/time/index.ts";
import { peerDataMissing, peerFile } from "../sphgeom/peer-data.ts";

type Call = [string, ...unknown[]];

/** Records every call; `inTransaction` is checked so nothing happens outside the transaction. */
class FakeRegistry implements ImportTarget {
  readonly universe = defaultUniverse();
  readonly calls: Call[] = [];
  readonly known = new Map<string, DatasetRef>();
  private inTransaction = false;

  private log(...call: Call): void {
    assert.ok(this.inTransaction, `${call[0]} called outside the transaction`);
    this.calls.push(call);
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    this.calls.push(["transaction"]);
    this.inTransaction = true;
    try {
      return await fn();
    } finally {
      this.inTransaction = false;
    }
  }
  insertDimensionData(
    element: string,
    records: readonly DimensionRecord[],
    options: { skipExisting: boolean },
  ) {
    this.log("insertDimensionData", element, records.length, options);
  }
  registerRun(name: string, doc?: string) {
    this.log("registerRun", name, doc);
  }
  registerCollection(name: string, type: CollectionType, doc?: string) {
    this.log("registerCollection", name, type.name, doc);
  }
  setCollectionChain(parent: string, children: readonly string[]) {
    this.log("setCollectionChain", parent, [...children]);
  }
  registerDatasetType(datasetType: DatasetType) {
    this.log("registerDatasetType", datasetType.name);
  }
  async importDatasets(refs: readonly DatasetRef[]) {
    this.log(
      "importDatasets",
      refs.map((r) => `${r.datasetType.name}@${r.run}:${r.id.slice(0, 8)}`),
    );
  }
  associate(collection: string, refs: readonly DatasetRef[]) {
    this.log(
      "associate",
      collection,
      refs.map((r) => r.id.slice(0, 8)),
    );
  }
  certify(collection: string, refs: readonly DatasetRef[], timespan: Timespan) {
    this.log(
      "certify",
      collection,
      refs.map((r) => r.id.slice(0, 8)),
      timespan.toString(),
    );
  }
  async getDataset(id: string) {
    this.log("getDataset", id.slice(0, 8));
    return this.known.get(id) ?? null;
  }
}

const missing = peerDataMissing;
const load = (name: string) => parseExport(readFileSync(peerFile(name)!, "utf8"));
const names = (calls: Call[]) => calls.map((c) => c[0]);

describe("importExport call order (unit test of ordering against a fake)", { skip: missing }, () => {
  test("base.yaml then datasets.yaml: records in element order, runs before their datasets", async () => {
    const registry = new FakeRegistry();
    const base = await importExport(registry, load("base.yaml"));
    assert.deepEqual(registry.calls, [
      ["transaction"],
      ["insertDimensionData", "instrument", 1, { skipExisting: true }],
      // The universe's order: dependencies first, ties broken by name.
      ["insertDimensionData", "detector", 4, { skipExisting: true }],
      ["insertDimensionData", "physical_filter", 3, { skipExisting: true }],
      ["registerDatasetType", "flat"],
      ["registerDatasetType", "bias"],
    ]);
    assert.deepEqual(base.counts, {
      dimensionRecords: 8,
      runs: 0,
      collections: 0,
      chains: 0,
      datasetTypes: 2,
      datasets: 0,
      associations: 0,
      certifications: 0,
    });
    assert.deepEqual(base.dimensionRecords, { instrument: 1, physical_filter: 3, detector: 4 });

    registry.calls.length = 0;
    const summary = await importExport(registry, load("datasets.yaml"), { datasetTypes: base.datasetTypes });
    assert.deepEqual(names(registry.calls), [
      "transaction",
      "registerRun",
      "registerRun",
      "importDatasets",
      "importDatasets",
      "importDatasets",
      "importDatasets",
    ]);
    assert.deepEqual(registry.calls[1], ["registerRun", "imported_g", undefined]);
    assert.deepEqual(registry.calls[3], [
      "importDatasets",
      ["bias@imported_g:e15ab039", "bias@imported_g:51352db4", "bias@imported_g:e06b6f3c"],
    ]);
    assert.equal(summary.counts.datasets, 13);
    assert.equal(summary.datasetIds.length, 13);
    assert.equal(summary.files.length, 13);
    assert.deepEqual(summary.files[0], {
      path: "placeholder",
      formatter: null,
      datasetType: "bias",
      run: "imported_g",
      ids: ["e15ab039-bc8b-4135-87c5-90902a7c0b22"],
    });
  });

  test("withoutDatastore returns no files; a dataset type nobody defined is a reference error", async () => {
    const registry = new FakeRegistry();
    const base = await importExport(registry, load("base.yaml"));
    const summary = await importExport(registry, load("datasets.yaml"), {
      datasetTypes: base.datasetTypes,
      withoutDatastore: true,
    });
    assert.deepEqual(summary.files, []);
    assert.equal(summary.counts.datasets, 13);
    await assert.rejects(
      importExport(new FakeRegistry(), load("datasets.yaml")),
      (e: unknown) => e instanceof ExportFormatError && e.kind === "reference" && /'bias'/.test(e.message),
    );
  });

  test("ci_hsc-subset.yaml: every element after the ones it depends on; paths for the datastore", async () => {
    const registry = new FakeRegistry();
    const summary = await importExport(registry, load("ci_hsc-subset.yaml"));
    const inserted = registry.calls.filter((c) => c[0] === "insertDimensionData").map((c) => c[1] as string);
    assert.deepEqual(inserted, registry.universe.sorted(inserted));
    assert.ok(inserted.indexOf("visit") < inserted.indexOf("visit_detector_region"));
    assert.ok(inserted.indexOf("day_obs") < inserted.indexOf("visit"));
    assert.deepEqual(names(registry.calls).slice(-3), [
      "registerRun",
      "registerDatasetType",
      "importDatasets",
    ]);
    assert.equal(summary.counts.datasets, 33);
    assert.equal(summary.dimensionRecords["visit_detector_region"], 33);
    assert.ok(summary.files.every((f) => f.path.startsWith("HSC/runs/ci_hsc/20240806T180642Z/calexp/")));
  });

  test("hsc-rc2-subset-v0.yaml is migrated first, and skipDimensions leaves elements out", async () => {
    const registry = new FakeRegistry();
    const summary = await importExport(registry, load("hsc-rc2-subset-v0.yaml"), {
      skipDimensions: new Set(["skymap", "tract", "patch"]),
      dayObsOffsets: { HSC: 0 },
    });
    const inserted = registry.calls.filter((c) => c[0] === "insertDimensionData").map((c) => c[1]);
    assert.deepEqual(inserted, [
      "instrument",
      "day_obs",
      "detector",
      "group",
      "physical_filter",
      "visit_system",
      "exposure",
      "visit",
      "visit_system_membership",
    ]);
    assert.deepEqual(summary.warnings, [
      "dropped visit.seeing from 2 record(s): universe 8 has no such field",
    ]);
  });
});

describe("importExport of collections and associations (unit test of ordering against a fake)", () => {
  const tai = (text: string) => parseButlerTime(text);
  const text = `description: Butler Data Repository Export
version: 1.0.2
universe_version: 7
universe_namespace: daf_butler
data:
- {type: associations, collection: tagged, collection_type: TAGGED, dataset_ids: [!uuid 'e15ab039-bc8b-4135-87c5-90902a7c0b22', !uuid '99999999-bc8b-4135-87c5-90902a7c0b22']}
- {type: collection, collection_type: CHAINED, name: chain, children: [calib, run]}
- {type: collection, collection_type: CALIBRATION, name: calib, doc: calibrations}
- {type: collection, collection_type: TAGGED, name: tagged}
- {type: dimension, element: instrument, records: [{name: Cam1}]}
- {type: collection, collection_type: RUN, name: run, host: null, timespan_begin: null, timespan_end: null}
- {type: dataset_type, name: bias, dimensions: [instrument, detector], storage_class: Exposure, is_calibration: true}
- {type: dimension, element: detector, records: [{instrument: Cam1, id: 1, full_name: Aa}]}
- type: dataset
  dataset_type: bias
  run: run
  records:
  - {dataset_id: [!uuid 'e15ab039-bc8b-4135-87c5-90902a7c0b22'], data_id: [{instrument: Cam1, detector: 1}], path: run/bias.fits, formatter: pkg.F}
- type: associations
  collection: calib
  collection_type: CALIBRATION
  validity_ranges:
  - {timespan: !lsst.daf.butler.Timespan {begin: !butler_time/tai/iso '2020-01-01 00:00:00.000000000', end: null}, dataset_ids: [!uuid 'e15ab039-bc8b-4135-87c5-90902a7c0b22']}
`;

  test("records, runs, collections, types, datasets, chains, then associations", async () => {
    const registry = new FakeRegistry();
    // The second tagged dataset is not in the file: the registry is asked for it.
    const known = { id: "99999999-bc8b-4135-87c5-90902a7c0b22" } as DatasetRef;
    registry.known.set(known.id, known);
    const summary = await importExport(registry, parseExport(text));
    assert.deepEqual(registry.calls, [
      ["transaction"],
      ["insertDimensionData", "instrument", 1, { skipExisting: true }],
      ["insertDimensionData", "detector", 1, { skipExisting: true }],
      ["registerRun", "run", undefined],
      ["registerCollection", "chain", "CHAINED", undefined],
      ["registerCollection", "calib", "CALIBRATION", "calibrations"],
      ["registerCollection", "tagged", "TAGGED", undefined],
      ["registerDatasetType", "bias"],
      ["importDatasets", ["bias@run:e15ab039"]],
      ["setCollectionChain", "chain", ["calib", "run"]],
      ["getDataset", "99999999"],
      ["associate", "tagged", ["e15ab039", "99999999"]],
      ["certify", "calib", ["e15ab039"], new Timespan(tai("2020-01-01 00:00:00"), null).toString()],
    ]);
    assert.deepEqual(summary.counts, {
      dimensionRecords: 2,
      runs: 1,
      collections: 3,
      chains: 1,
      datasetTypes: 1,
      datasets: 1,
      associations: 2,
      certifications: 1,
    });
    assert.deepEqual(summary.files, [
      {
        path: "run/bias.fits",
        formatter: "pkg.F",
        datasetType: "bias",
        run: "run",
        ids: [summary.datasetIds[0]],
      },
    ]);
  });

  test("a dataset neither in the file nor in the registry is a reference error", async () => {
    await assert.rejects(
      importExport(new FakeRegistry(), parseExport(text)),
      (e: unknown) =>
        e instanceof ExportFormatError &&
        e.kind === "reference" &&
        /99999999-.* is neither in the file/.test(e.message),
    );
  });

  test("a data ID missing a dimension of a dataset type from an earlier import is a dataId error", async () => {
    const registry = new FakeRegistry();
    const base = await importExport(
      registry,
      parseExport(text.replace(/- \{type: associations.*\n/, "").replace(/- type: dataset\n[\s\S]*$/, "")),
    );
    const bad = text.replace("data_id: [{instrument: Cam1, detector: 1}]", "data_id: [{instrument: Cam1}]");
    // The file's own dataset type is caught while parsing …
    assert.throws(
      () => parseExport(bad),
      (e: unknown) => e instanceof ExportFormatError && e.kind === "dataId",
    );
    // … one from an earlier import when importing, before the transaction starts.
    const withoutType = bad.replace(/- \{type: dataset_type.*\n/, "");
    registry.calls.length = 0;
    await assert.rejects(
      importExport(registry, parseExport(withoutType), { datasetTypes: base.datasetTypes }),
      (e: unknown) =>
        e instanceof ExportFormatError &&
        e.kind === "dataId" &&
        e.path === "data[7].records[0].data_id[0]" &&
        /detector/.test(e.message),
    );
    assert.deepEqual(registry.calls, []);
  });

  test("a file from another universe namespace is refused", async () => {
    const doc = { ...parseExport(text), universeNamespace: "elsewhere" };
    await assert.rejects(
      importExport(new FakeRegistry(), doc),
      (e: unknown) => e instanceof ExportFormatError && e.kind === "universe",
    );
  });

  test("CollectionType values reach the registry as the core instances", async () => {
    const seen: CollectionType[] = [];
    const registry = new FakeRegistry();
    registry.registerCollection = (_name: string, type: CollectionType) => {
      seen.push(type);
    };
    await importExport(
      registry,
      parseExport(text.replace(/- \{type: associations.*\n/, "").replace(/- type: associations[\s\S]*$/, "")),
    );
    assert.deepEqual(seen, [CollectionType.CHAINED, CollectionType.CALIBRATION, CollectionType.TAGGED]);
  });
});
