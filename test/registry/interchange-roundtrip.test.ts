// Writing exports: parse → export → parse gives the same document, for every peer file and for the
// forms the peer files do not use (EMPTY and half-bounded timespans, look-alike strings, floats).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { CollectionType, Timespan } from "../../src/core/index.ts";
import {
  type ExportDocument,
  type ExportItem,
  exportDocument,
  migrateExport,
  parseExport,
} from "../../src/registry/interchange/index.ts";
import { ConvexPolygon, UnitVector3d } from "../../src/sphgeom/index.ts";
import { parseButlerTime } from "../../src/time/index.ts";
import { EXPORT_FILES, peerDataMissing, peerFile } from "../sphgeom/peer-data.ts";

const missing = peerDataMissing;

function roundTrip(doc: ExportDocument): { text: string; again: ExportDocument } {
  const text = exportDocument(doc.items, {
    universeVersion: doc.universeVersion,
    universeNamespace: doc.universeNamespace,
  });
  return { text, again: parseExport(text) };
}

describe("round trip of the peer files", { skip: missing }, () => {
  for (const name of EXPORT_FILES) {
    test(`${name}: parse → export → parse is identical`, () => {
      const doc = parseExport(readFileSync(peerFile(name)!, "utf8"));
      const { text, again } = roundTrip(doc);
      assert.deepEqual(again, { ...doc, version: "1.0.2" });
      assert.match(text, /^description: Butler Data Repository Export\nversion: 1\.0\.2\n/);
    });
  }

  test("a 1.0.2 file is written the way daf_butler wrote it", () => {
    const source = readFileSync(peerFile("ci_hsc-subset-skymap.yaml")!, "utf8");
    const { text } = roundTrip(parseExport(source));
    // The same text, minus the comment header.
    assert.equal(text, source.slice(source.indexOf("description:")));
  });

  test("migrated legacy documents round-trip too", () => {
    const { document } = migrateExport(
      parseExport(readFileSync(peerFile("hsc-rc2-subset-v0.yaml")!, "utf8")),
    );
    const { text, again } = roundTrip(document);
    assert.deepEqual(again.items, document.items);
    assert.match(text, /exposure_time: 300\.0\n/);
    assert.match(text, /datetime_begin: !butler_time\/tai\/iso '2014-11-18 12:57:22\.112000000'/);
    assert.match(text, /hash: !!binary \|\n {6}4p\/p8QCONZ82o2d\+fWnMQ5N20eY=\n/);
  });
});

describe("round trip of forms the peer files lack", () => {
  const tai = (text: string) => parseButlerTime(text);
  const polygon = ConvexPolygon.fromVertices([UnitVector3d.X, UnitVector3d.Y, UnitVector3d.Z]);
  const items: ExportItem[] = [
    {
      kind: "dimension",
      element: "detector",
      records: [
        // Strings PyYAML would read as something else must come back as strings.
        {
          instrument: "yes",
          id: 1,
          full_name: "08",
          name_in_raft: "1.0",
          raft: "2021-01-01",
          purpose: "null",
        },
        { instrument: "Cam", id: 2, full_name: "1e5", name_in_raft: "0x1F", raft: "~", purpose: "12:30" },
      ],
    },
    {
      kind: "dimension",
      element: "visit",
      records: [
        {
          instrument: "Cam",
          id: 1,
          physical_filter: "f",
          exposure_time: 30,
          zenith_angle: 1.5e-7,
          azimuth: -0.25,
          region: polygon,
          timespan: new Timespan(tai("2021-09-09 03:00:00"), tai("2021-09-09 03:00:00")),
        },
        {
          instrument: "Cam",
          id: 2,
          physical_filter: "f",
          timespan: new Timespan(tai("2021-09-09 03:00:00"), null),
        },
        { instrument: "Cam", id: 3, physical_filter: "f", timespan: Timespan.EMPTY },
        { instrument: "Cam", id: 4, physical_filter: "f", timespan: null },
      ],
    },
    {
      kind: "collection",
      name: "run",
      type: CollectionType.RUN,
      doc: "a\nmultiline doc",
      host: "h",
      timespan: new Timespan(tai("2020-01-01 00:00:00"), null),
    },
    { kind: "collection", name: "tagged", type: CollectionType.TAGGED, doc: null },
    { kind: "collection", name: "calib", type: CollectionType.CALIBRATION, doc: null },
    {
      kind: "collection",
      name: "chain",
      type: CollectionType.CHAINED,
      doc: null,
      children: ["calib", "run"],
    },
    { kind: "run", name: "legacy" },
    {
      kind: "dataset",
      datasetType: "bias",
      run: "run",
      records: [
        {
          ids: ["e15ab039-bc8b-4135-87c5-90902a7c0b22", "51352db4-a47a-447c-b12d-a50b206b17cd"],
          dataIds: [
            { instrument: "Cam", detector: 1 },
            { instrument: "Cam", detector: 2 },
          ],
          path: "run/bias.fits",
          formatter: "pkg.Formatter",
        },
      ],
    },
    {
      kind: "associations",
      collection: "tagged",
      collectionType: CollectionType.TAGGED,
      datasetIds: ["e15ab039-bc8b-4135-87c5-90902a7c0b22"],
    },
    {
      kind: "associations",
      collection: "calib",
      collectionType: CollectionType.CALIBRATION,
      validityRanges: [
        {
          timespan: new Timespan(null, tai("2022-01-01 00:00:00")),
          datasetIds: ["e15ab039-bc8b-4135-87c5-90902a7c0b22"],
        },
        { timespan: Timespan.EMPTY, datasetIds: [] },
        { timespan: new Timespan(null, null), datasetIds: ["51352db4-a47a-447c-b12d-a50b206b17cd"] },
      ],
    },
  ];

  test("parse → export → parse and export → parse keep everything", () => {
    const text = exportDocument(items);
    const doc = parseExport(text);
    assert.equal(doc.universeVersion, 8);
    assert.deepEqual(doc.items, items);
    assert.deepEqual(parseExport(exportDocument(doc.items)), doc);
  });

  test("tags and scalars are written as PyYAML would write them", () => {
    const text = exportDocument(items);
    for (const quoted of ["'yes'", "'1.0'", "'2021-01-01'", "'null'", "'~'", "'12:30'", "'0x1F'"]) {
      assert.ok(text.includes(quoted), `${quoted} quoted`);
    }
    // PyYAML reads these as strings, so they stay plain.
    assert.match(text, /full_name: 08\n/);
    assert.match(text, /full_name: 1e5\n/);
    assert.match(text, /exposure_time: 30\.0\n/);
    assert.match(text, /zenith_angle: 1\.5e-7\n/);
    assert.match(text, /datetime_end: !butler_time\/tai\/iso '2021-09-09 03:00:00\.000000001'/);
    assert.match(text, /timespan: !lsst\.daf\.butler\.Timespan EMPTY\n/);
    assert.match(
      text,
      /timespan: !lsst\.daf\.butler\.Timespan\n {6}begin: !butler_time\/tai\/iso '2021-09-09 03:00:00\.000000000'\n {6}end: null\n/,
    );
    assert.match(text, /region: !<lsst\.sphgeom\.ConvexPolygon>\n {6}encoded: 70000000000000f03f/);
    assert.match(text, /dataset_id:\n {4}- !uuid 'e15ab039-bc8b-4135-87c5-90902a7c0b22'\n/);
    assert.match(text, /- type: run\n {2}name: legacy\n/);
    assert.doesNotMatch(text, /&a|\*a/, "no anchors or aliases for shared objects");
  });
});
