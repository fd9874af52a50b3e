// Parsing daf_butler export files: every shared peer file, their counts (research notes §9.1), the
// tagged values, and typed errors for bad input.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { CollectionType, Timespan } from "../../src/core/index.ts";
import { ExportFormatError, isButlerError, UnknownTagError } from "../../src/errors/index.ts";
import {
  type DatasetItem,
  type DimensionItem,
  type ExportDocument,
  type ExportRecord,
  isRegion,
  parseExport,
  parseZipIndex,
  regionHex,
} from "../../src/registry/interchange/index.ts";
import { ConvexPolygon } from "../../src/sphgeom/index.ts";
import { formatButlerTime, parseButlerTime } from "../../src/time/index.ts";
import { EXPORT_FILES, encodedRegions, PEER_DATA, peerDataMissing, peerFile } from "../sphgeom/peer-data.ts";

const missing = peerDataMissing;

const cache = new Map<string, ExportDocument>();
function load(name: string): ExportDocument {
  let doc = cache.get(name);
  if (doc === undefined) {
    doc = parseExport(readFileSync(peerFile(name)!, "utf8"));
    cache.set(name, doc);
  }
  return doc;
}

function records(doc: ExportDocument, element: string): ExportRecord[] {
  return doc.items
    .filter((i): i is DimensionItem => i.kind === "dimension" && i.element === element)
    .flatMap((i) => i.records);
}

function datasets(doc: ExportDocument, type?: string): { id: string; dataId: object; path: string }[] {
  return doc.items
    .filter((i): i is DatasetItem => i.kind === "dataset" && (type === undefined || i.datasetType === type))
    .flatMap((i) =>
      i.records.flatMap((r) => r.ids.map((id, k) => ({ id, dataId: r.dataIds[k]!, path: r.path }))),
    );
}

function elementCounts(doc: ExportDocument): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of doc.items) {
    if (item.kind === "dimension") counts[item.element] = (counts[item.element] ?? 0) + item.records.length;
  }
  return counts;
}

const tai = (text: string) => parseButlerTime(text);

describe("peer export files", { skip: missing }, () => {
  test("every peer YAML file is covered and parses", () => {
    const present = readdirSync(PEER_DATA).filter(
      (f) => f.endsWith(".yaml") && f !== "dimensions.yaml" && f !== "storageClasses.yaml",
    );
    assert.deepEqual([...present].sort(), [...EXPORT_FILES].sort());
    for (const name of EXPORT_FILES) assert.ok(load(name).items.length > 0, name);
  });

  test("base.yaml: legacy version 0, Cam1 with three filters, four detectors, two calibration types", () => {
    const doc = load("base.yaml");
    assert.equal(doc.version, "0");
    assert.equal(doc.universeVersion, 6);
    assert.deepEqual(records(doc, "instrument"), [
      {
        name: "Cam1",
        visit_max: 1024,
        visit_system: 1,
        exposure_max: 512,
        detector_max: 4,
        class_name: "lsst.pipe.base.Instrument",
      },
    ]);
    assert.deepEqual(
      records(doc, "physical_filter").map((r) => [r["name"], r["band"]]),
      [
        ["Cam1-G", "g"],
        ["Cam1-R1", "r"],
        ["Cam1-R2", "r"],
      ],
    );
    assert.deepEqual(
      records(doc, "detector").map((r) => [r["id"], r["full_name"], r["raft"], r["purpose"]]),
      [
        [1, "Aa", "A", "SCIENCE"],
        [2, "Ab", "A", "SCIENCE"],
        [3, "Ba", "B", "SCIENCE"],
        [4, "Bb", "B", "WAVEFRONT"],
      ],
    );
    const types = doc.items.filter((i) => i.kind === "dataset_type");
    assert.deepEqual(types, [
      {
        kind: "dataset_type",
        name: "flat",
        dimensions: ["instrument", "detector", "physical_filter", "band"],
        storageClass: "Exposure",
        isCalibration: true,
      },
      {
        kind: "dataset_type",
        name: "bias",
        dimensions: ["instrument", "detector"],
        storageClass: "Exposure",
        isCalibration: true,
      },
    ]);
  });

  test("datasets.yaml: two legacy runs, 13 datasets with fixed UUIDs, placeholder paths, no formatter", () => {
    const doc = load("datasets.yaml");
    assert.equal(doc.version, "0");
    assert.equal(doc.universeVersion, 0);
    assert.equal(doc.universeNamespace, "daf_butler");
    assert.deepEqual(
      doc.items.filter((i) => i.kind === "run"),
      [
        { kind: "run", name: "imported_g" },
        { kind: "run", name: "imported_r" },
      ],
    );
    const all = datasets(doc);
    assert.equal(all.length, 13);
    assert.equal(new Set(all.map((d) => d.id)).size, 13);
    assert.equal(datasets(doc, "bias").length, 6);
    assert.equal(datasets(doc, "flat").length, 7);
    assert.deepEqual(all[0], {
      id: "e15ab039-bc8b-4135-87c5-90902a7c0b22",
      dataId: { instrument: "Cam1", detector: 1 },
      path: "placeholder",
    });
    assert.deepEqual(all.at(-1)!.dataId, {
      instrument: "Cam1",
      detector: 4,
      physical_filter: "Cam1-R2",
      band: "r",
    });
    for (const item of doc.items) {
      if (item.kind !== "dataset") continue;
      for (const record of item.records) {
        assert.equal(record.path, "placeholder");
        assert.equal("formatter" in record, false);
      }
    }
  });

  test("spatial.yaml: visits, regions and timespans; visit 1 is 03:00–03:01 TAI", () => {
    const doc = load("spatial.yaml");
    assert.equal(doc.version, "1.0.2");
    assert.equal(doc.universeVersion, 7);
    assert.deepEqual(elementCounts(doc), {
      day_obs: 1,
      visit: 2,
      visit_detector_region: 8,
      skymap: 1,
      tract: 2,
      patch: 12,
    });
    assert.deepEqual(records(doc, "day_obs"), [{ instrument: "Cam1", id: 20210909 }]);
    const [visit1, visit2] = records(doc, "visit");
    assert.ok(visit1!["timespan"] instanceof Timespan);
    assert.ok(
      (visit1!["timespan"] as Timespan).equals(
        new Timespan(tai("2021-09-09 03:00:00"), tai("2021-09-09 03:01:00")),
      ),
    );
    assert.equal(formatButlerTime((visit2!["timespan"] as Timespan).begin!), "2021-09-09 03:02:00.000000000");
    assert.equal("datetime_begin" in visit1!, false);
    assert.equal(visit1!["day_obs"], 20210909);
    assert.equal(visit1!["name"], "1");
    assert.deepEqual(
      records(doc, "skymap")[0]!["hash"],
      new TextEncoder().encode("notreallyahashofanything!"),
    );
    assert.deepEqual(
      records(doc, "patch").map((r) => [r["tract"], r["id"], r["cell_x"], r["cell_y"]]),
      [0, 1].flatMap((tract) => [0, 1, 2, 3, 4, 5].map((id) => [tract, id, id % 2, Math.floor(id / 2)])),
    );
  });

  test("ci_hsc-subset.yaml: 11 visits, 33 visit_detector_region records, 33 calexps in one run", () => {
    const doc = load("ci_hsc-subset.yaml");
    assert.deepEqual(elementCounts(doc), {
      instrument: 1,
      day_obs: 2,
      detector: 16,
      physical_filter: 2,
      visit: 11,
      visit_detector_region: 33,
    });
    const runs = doc.items.filter((i) => i.kind === "collection");
    assert.deepEqual(runs, [
      {
        kind: "collection",
        name: "HSC/runs/ci_hsc/20240806T180642Z",
        type: CollectionType.RUN,
        doc: null,
        host: null,
        timespan: null,
      },
    ]);
    const calexp = doc.items.find((i) => i.kind === "dataset_type");
    assert.deepEqual(calexp, {
      kind: "dataset_type",
      name: "calexp",
      dimensions: ["band", "instrument", "day_obs", "detector", "physical_filter", "visit"],
      storageClass: "ExposureF",
      isCalibration: false,
    });
    const all = datasets(doc, "calexp");
    assert.equal(all.length, 33);
    assert.equal(new Set(all.map((d) => d.id)).size, 33);
    assert.deepEqual(all.at(-1), {
      id: "240c31ea-001b-497d-8673-1166b149981f",
      dataId: { instrument: "HSC", detector: 1, visit: 904014 },
      path: "HSC/runs/ci_hsc/20240806T180642Z/calexp/20131102/i/HSC-I/904014/calexp_HSC_i_HSC-I_904014_1_54_HSC_runs_ci_hsc_20240806T180642Z.fits",
    });
    // YAML 1.1 rules, as PyYAML wrote them: 0_29 is a string, not the integer 29.
    assert.ok(records(doc, "detector").some((r) => r["full_name"] === "0_29"));
    // day_obs records have timespans starting at TAI midnight.
    assert.ok((records(doc, "day_obs")[0]!["timespan"] as Timespan).equals(Timespan.fromDayObs(20130617, 0)));
  });

  test("ci_hsc-subset-skymap.yaml: binary skymap hash, one tract, one skyMap dataset with its formatter", () => {
    const doc = load("ci_hsc-subset-skymap.yaml");
    const [skymap] = records(doc, "skymap");
    assert.equal(skymap!["name"], "discrete/ci_hsc");
    assert.ok(skymap!["hash"] instanceof Uint8Array);
    assert.equal(Object.getPrototypeOf(skymap!["hash"]), Uint8Array.prototype);
    assert.equal(
      Buffer.from(skymap!["hash"] as Uint8Array).toString("base64"),
      "Kt7swQ9e5zUif7fo1Onj3ezH+Ts=",
    );
    assert.equal(records(doc, "tract").length, 1);
    const item = doc.items.find((i): i is DatasetItem => i.kind === "dataset")!;
    assert.deepEqual(item, {
      kind: "dataset",
      datasetType: "skyMap",
      run: "skymaps",
      records: [
        {
          ids: ["557e15c6-0529-4fc9-998b-b90a4750315e"],
          dataIds: [{ skymap: "discrete/ci_hsc" }],
          path: "skymaps/skyMap/skyMap_discrete_ci_hsc_skymaps.pickle",
          formatter: "lsst.daf.butler.formatters.pickle.PickleFormatter",
        },
      ],
    });
  });

  test("hsc-rc2-subset-v0.yaml: legacy dimensions, untagged datetimes read as UTC", () => {
    const doc = load("hsc-rc2-subset-v0.yaml");
    assert.deepEqual(elementCounts(doc), {
      instrument: 1,
      skymap: 1,
      detector: 3,
      physical_filter: 2,
      tract: 2,
      visit_system: 1,
      patch: 2,
      exposure: 1,
      visit: 2,
    });
    const [visit] = records(doc, "visit");
    assert.equal(visit!["visit_system"], 0);
    assert.equal(visit!["seeing"], null);
    // 2014-11-18 12:56:47.112 UTC is 35 s later in TAI, as the newer export of the same visit says.
    const newer = records(load("hsc-rc2-subset.yaml"), "visit").find((r) => r["id"] === 11690)!;
    assert.ok((visit!["timespan"] as Timespan).equals(newer["timespan"] as Timespan));
    assert.equal(formatButlerTime((visit!["timespan"] as Timespan).begin!), "2014-11-18 12:57:22.112000000");
    const [exposure] = records(doc, "exposure");
    assert.equal(exposure!["group_name"], "903342");
    assert.equal(exposure!["group_id"], 903342);
  });

  test("hsc-rc2-subset.yaml: 160 visits, 1132 visit_detector_region records, no datasets", () => {
    const doc = load("hsc-rc2-subset.yaml");
    assert.equal(doc.universeVersion, 6);
    assert.deepEqual(elementCounts(doc), {
      instrument: 1,
      skymap: 1,
      group: 1,
      day_obs: 15,
      detector: 111,
      physical_filter: 5,
      tract: 2,
      visit_system: 1,
      patch: 2,
      exposure: 1,
      visit: 160,
      visit_detector_region: 1132,
      visit_system_membership: 160,
    });
    assert.equal(datasets(doc).length, 0);
    // `08` is a string to PyYAML (not octal, not decimal), so it stays one.
    assert.ok(records(doc, "detector").some((r) => r["name_in_raft"] === "08"));
    assert.ok(records(doc, "detector").every((r) => typeof r["name_in_raft"] === "string"));
  });

  test("lsstcam-subset.yaml: groups, exposures, visit definitions and memberships", () => {
    const doc = load("lsstcam-subset.yaml");
    assert.deepEqual(elementCounts(doc), {
      instrument: 1,
      day_obs: 1,
      detector: 2,
      group: 2,
      physical_filter: 1,
      visit_system: 2,
      exposure: 2,
      visit: 2,
      visit_definition: 2,
      visit_detector_region: 4,
      visit_system_membership: 4,
    });
    const [exposure] = records(doc, "exposure");
    assert.equal(exposure!["group"], "2025-12-03T07:58:10.858");
    assert.equal(exposure!["can_see_sky"], true);
    assert.equal(
      formatButlerTime((exposure!["timespan"] as Timespan).begin!),
      "2025-12-03 07:59:07.425363958",
    );
    assert.equal(records(doc, "instrument")[0]!["visit_max"], 6050123199999);
  });

  test("every region decodes and keeps the hex it was read from", () => {
    for (const name of EXPORT_FILES) {
      const doc = load(name);
      const regions = doc.items.flatMap((item) =>
        item.kind === "dimension" ? item.records.flatMap((r) => ("region" in r ? [r["region"]] : [])) : [],
      );
      const hex = encodedRegions(name);
      assert.equal(regions.length, hex.length, name);
      regions.forEach((region, i) => {
        assert.ok(isRegion(region), `${name} region ${i}`);
        assert.ok(region instanceof ConvexPolygon);
        assert.equal(regionHex(region), hex[i]);
        assert.equal(Buffer.from(region.encode()).toString("hex"), hex[i]);
      });
    }
  });
});

describe("zip index", {
  skip: peerFile("zip_index.json") === undefined ? `no zip_index.json` : false,
}, () => {
  test("zip_index.json parses: dataset types, refs and artifacts", () => {
    const index = parseZipIndex(readFileSync(peerFile("zip_index.json")!, "utf8"));
    assert.equal(index.indexVersion, "V1");
    assert.equal(index.universeVersion, 7);
    assert.deepEqual(
      index.datasetTypes.map((t) => t.name),
      ["raw", "calexp", "isr_metadata"],
    );
    assert.equal(index.refs.length, 4);
    assert.deepEqual(index.refs[2], {
      id: "d24d9a3c-1004-42e7-88bb-a38ebf364084",
      datasetType: "calexp",
      run: "demo_collection",
      dataId: { instrument: "HSC", detector: 10, visit: 903342 },
    });
    assert.equal(index.artifacts.length, 17);
    assert.deepEqual(index.artifacts[0]!.ids, [
      "3f452f1d-b8a5-5202-8190-4e723004a6ba",
      "5d32ede2-f2ca-5d3b-b900-bba4a00c3bf9",
    ]);
    assert.equal(index.artifacts.filter((a) => a.component !== null).length, 15);
    assert.throws(
      () => parseZipIndex('{"index_version": "V9"}'),
      (e: unknown) => e instanceof ExportFormatError && e.kind === "version",
    );
  });
});

const HEADER =
  "description: Butler Data Repository Export\nversion: 1.0.2\nuniverse_version: 7\nuniverse_namespace: daf_butler\n";

function expectError(text: string, kind: ExportFormatError["kind"], pattern?: RegExp): ExportFormatError {
  let caught: unknown;
  try {
    parseExport(text);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ExportFormatError, `expected an ExportFormatError, got ${String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  assert.equal(caught.code, "EXPORT_FORMAT");
  assert.ok(isButlerError(caught, "EXPORT_FORMAT"));
  if (pattern !== undefined) assert.match(caught.message, pattern);
  return caught;
}

describe("typed errors for bad input", () => {
  test("versions: 1.0.x and 0 are accepted, other majors and minors are not", () => {
    for (const version of ["1.0.2", "1.0.0", "1.0.7", "'1.0.2'", "0"]) {
      const doc = parseExport(`version: ${version}\ndata: []\n`);
      assert.deepEqual(doc.items, []);
    }
    expectError("version: 2.0.0\ndata: []\n", "version", /unsupported export format version "2.0.0"/);
    expectError("version: 1.1.0\ndata: []\n", "version", /major 1, minor at most 0/);
    expectError("version: 0.9\ndata: []\n", "version");
    expectError("data: []\n", "version", /no 'version'/);
  });

  test("an unknown tag is an UnknownTagError naming the tag and where it is", () => {
    const text = `${HEADER}data:\n- type: dimension\n  element: instrument\n  records:\n  - name: !mystery Cam1\n`;
    const err = expectError(text, "tag", /unknown YAML tag '!mystery' at line 9, column 11/);
    assert.ok(err instanceof UnknownTagError);
    assert.equal(err.tag, "!mystery");
    const verbatim = `${HEADER}data:\n- type: dimension\n  element: tract\n  records:\n  - region: !<lsst.sphgeom.Ellipse> {encoded: '00'}\n`;
    assert.equal(
      (expectError(verbatim, "tag", /'!<lsst.sphgeom.Ellipse>'/) as UnknownTagError).tag,
      "lsst.sphgeom.Ellipse",
    );
  });

  test("a malformed uuid is a value error with its line", () => {
    const text = `${HEADER}data:
- type: dataset
  dataset_type: bias
  run: r
  records:
  - dataset_id: [!uuid 'not-a-uuid']
    data_id: [{instrument: Cam1, detector: 1}]
    path: p
`;
    expectError(text, "value", /bad !uuid value: "not-a-uuid" is not a UUID.*\(line 10, column/);
    const untagged = text.replace("!uuid 'not-a-uuid'", "'12345'");
    expectError(untagged, "value", /dataset_id\[0\]: bad dataset ID/);
  });

  test("a dataset whose data ID lacks a dimension of its dataset type is a dataId error", () => {
    const text = `${HEADER}data:
- type: dataset_type
  name: flat
  dimensions: [instrument, detector, physical_filter, band]
  storage_class: Exposure
  is_calibration: true
- type: dataset
  dataset_type: flat
  run: r
  records:
  - dataset_id: [!uuid '60c8a65c-7290-4c38-b1de-e3b1cdcf872d']
    data_id: [{instrument: Cam1, detector: 2}]
    path: p
`;
    const err = expectError(text, "dataId", /lacks physical_filter, required by dataset type flat/);
    assert.equal(err.path, "data[1].records[0].data_id[0]");
  });

  test("other bad values and structures", () => {
    const record = (value: string) =>
      `${HEADER}data:\n- type: dimension\n  element: visit\n  records:\n  - ${value}\n`;
    expectError(record("timespan: !lsst.daf.butler.Timespan FOREVER"), "value", /must be EMPTY/);
    expectError(record("timespan: !lsst.daf.butler.Timespan {begin: null, until: null}"), "value", /until/);
    expectError(record("datetime_begin: !butler_time/tai/iso '2021-13-01 00:00:00'"), "value", /month/);
    expectError(record("region: !<lsst.sphgeom.ConvexPolygon> {encoded: '70zz'}"), "value", /hex/);
    expectError(record("region: !<lsst.sphgeom.ConvexPolygon> {encoded: '6300'}"), "value");
    expectError(record("hash: !!binary '***'"), "value", /base64/);
    expectError(record("id: [1, 2]"), "structure", /records\[0\]\.id: a record value must be a scalar/);
    expectError(record("datetime_begin: 12"), "structure", /expected a !butler_time/);
    expectError(`${HEADER}data:\n- type: banana\n`, "structure", /unknown item type "banana"/);
    expectError(
      `${HEADER}data:\n- type: collection\n  name: c\n  collection_type: BAG\n`,
      "structure",
      /BAG/,
    );
    expectError(
      `${HEADER}data:\n- type: run\n`,
      "structure",
      /data\[0\]\.name: expected a string, got nothing/,
    );
    expectError(
      `${HEADER}data:\n- type: associations\n  collection: c\n  collection_type: RUN\n  dataset_ids: []\n`,
      "structure",
      /TAGGED or CALIBRATION/,
    );
    expectError(`${HEADER}data: {a: 1}\n`, "structure", /data: expected a list/);
    expectError("version: 1.0.2\ndata: [\n", "syntax", /not valid YAML/);
  });

  test("collections, associations and legacy forms parse to typed items", () => {
    const doc = parseExport(`version: 0
data:
- {type: collection, collection_type: run, name: r, doc: a run, host: h, timespan_begin: !butler_time/tai/iso '2020-01-01 00:00:00.000000000', timespan_end: null}
- {type: collection, collection_type: CHAINED, name: chain, children: [r, t]}
- {type: collection, collection_type: TAGGED, name: t}
- {type: associations, collection: t, collection_type: TAGGED, dataset_ids: [!uuid 'E15AB039-BC8B-4135-87C5-90902A7C0B22']}
- type: associations
  collection: calib
  collection_type: CALIBRATION
  validity_ranges:
  - {begin: 2020-01-01 00:00:00, end: null, dataset_ids: [!uuid 51352db4-a47a-447c-b12d-a50b206b17cd]}
  - {timespan: !lsst.daf.butler.Timespan EMPTY, dataset_ids: []}
  - {timespan: !lsst.daf.butler.Timespan {begin: null, end: !butler_time/tai/iso '2020-01-01 00:00:37.000000000'}, dataset_ids: []}
- {type: dataset, dataset_type: bias, run: r, records: [{dataset_id: !uuid 51352db4-a47a-447c-b12d-a50b206b17cd, data_id: {instrument: Cam1, detector: 2}, path: p, formatter: F}]}
`);
    const [run, chain, tagged, assoc, calib, dataset] = doc.items;
    assert.deepEqual(run, {
      kind: "collection",
      name: "r",
      type: CollectionType.RUN,
      doc: "a run",
      host: "h",
      timespan: new Timespan(tai("2020-01-01 00:00:00"), null),
    });
    assert.deepEqual(chain, {
      kind: "collection",
      name: "chain",
      type: CollectionType.CHAINED,
      doc: null,
      children: ["r", "t"],
    });
    assert.deepEqual(tagged, { kind: "collection", name: "t", type: CollectionType.TAGGED, doc: null });
    assert.deepEqual(assoc, {
      kind: "associations",
      collection: "t",
      collectionType: CollectionType.TAGGED,
      datasetIds: ["e15ab039-bc8b-4135-87c5-90902a7c0b22"],
    });
    assert.ok(calib?.kind === "associations");
    const ranges = calib.validityRanges!;
    // Legacy begin/end: a plain timestamp is UTC (37 s behind TAI in 2020).
    assert.ok(ranges[0]!.timespan.equals(new Timespan(tai("2020-01-01 00:00:37"), null)));
    assert.ok(ranges[1]!.timespan.isEmpty());
    assert.ok(ranges[2]!.timespan.equals(new Timespan(null, tai("2020-01-01 00:00:37"))));
    assert.deepEqual(dataset, {
      kind: "dataset",
      datasetType: "bias",
      run: "r",
      records: [
        {
          ids: ["51352db4-a47a-447c-b12d-a50b206b17cd"],
          dataIds: [{ instrument: "Cam1", detector: 2 }],
          path: "p",
          formatter: "F",
        },
      ],
    });
  });
});
