// Migrating export records from older universes (legacy 0, 6, 7) to our universe 8. The real check:
// after migration, core's makeDimensionRecord accepts every record of every peer file.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { defaultUniverse, makeDimensionRecord, Timespan } from "../../src/core/index.ts";
import {
  type DimensionItem,
  dayObsFromTime,
  type ExportDocument,
  type ExportRecord,
  migrateExport,
  parseExport,
} from "../../src/registry/interchange/index.ts";
import { formatButlerTime, parseButlerTime } from "../../src/time/index.ts";
import { EXPORT_FILES, peerDataMissing, peerFile } from "../sphgeom/peer-data.ts";

const missing = peerDataMissing;
const load = (name: string) => parseExport(readFileSync(peerFile(name)!, "utf8"));

function records(doc: ExportDocument, element: string): ExportRecord[] {
  return doc.items
    .filter((i): i is DimensionItem => i.kind === "dimension" && i.element === element)
    .flatMap((i) => i.records);
}

function elementOrder(doc: ExportDocument): string[] {
  return doc.items.flatMap((i) => (i.kind === "dimension" ? [i.element] : []));
}

describe("migrations of the peer files", { skip: missing }, () => {
  test("every record of every peer file is accepted by makeDimensionRecord after migration", () => {
    const universe = defaultUniverse();
    for (const name of EXPORT_FILES) {
      const { document } = migrateExport(load(name));
      assert.equal(document.universeVersion, 8);
      let count = 0;
      for (const item of document.items) {
        if (item.kind !== "dimension") continue;
        const element = universe.getElement(item.element);
        for (const record of item.records) {
          assert.doesNotThrow(() => makeDimensionRecord(element, record), `${name}: ${item.element}`);
          count++;
        }
      }
      assert.ok(count > 0 || name === "datasets.yaml", name);
    }
  });

  test("without migration the legacy file is refused, so the check above means something", () => {
    const universe = defaultUniverse();
    const visit = records(load("hsc-rc2-subset-v0.yaml"), "visit")[0]!;
    assert.throws(() => makeDimensionRecord(universe.getElement("visit"), visit), /visit_system|seeing/);
  });

  test("current files come through unchanged, without warnings", () => {
    for (const name of ["spatial.yaml", "ci_hsc-subset.yaml", "lsstcam-subset.yaml", "hsc-rc2-subset.yaml"]) {
      const doc = load(name);
      const { document, warnings } = migrateExport(doc);
      assert.deepEqual(warnings, [], name);
      assert.deepEqual(document.items, doc.items, name);
    }
  });

  test("hsc-rc2-subset-v0.yaml: memberships, groups and day_obs records made; seeing dropped", () => {
    const original = load("hsc-rc2-subset-v0.yaml");
    const before = load("hsc-rc2-subset-v0.yaml");
    const { document, warnings } = migrateExport(original);
    // Pure: the input is untouched.
    assert.deepEqual(original, before);

    assert.deepEqual(records(document, "visit_system_membership"), [
      { instrument: "HSC", visit_system: 0, visit: 11690 },
      { instrument: "HSC", visit_system: 0, visit: 23868 },
    ]);
    const visits = records(document, "visit");
    for (const visit of visits) {
      assert.equal("visit_system" in visit, false);
      assert.equal("seeing" in visit, false);
    }
    // HSC's observing-day offset is not known, so days start at TAI midnight.
    assert.deepEqual(
      visits.map((v) => v["day_obs"]),
      [20141118, 20150318],
    );
    assert.deepEqual(records(document, "group"), [{ instrument: "HSC", name: "903342" }]);
    const [exposure] = records(document, "exposure");
    assert.equal(exposure!["group"], "903342");
    assert.equal("group_name" in exposure!, false);
    assert.equal("group_id" in exposure!, false);
    assert.deepEqual(records(document, "day_obs"), [
      { instrument: "HSC", id: 20130617, timespan: null },
      { instrument: "HSC", id: 20141118, timespan: null },
      { instrument: "HSC", id: 20150318, timespan: null },
    ]);
    // New items sit in dependency order: before the first element that depends on them.
    const order = elementOrder(document);
    assert.ok(order.indexOf("day_obs") < order.indexOf("exposure"));
    assert.ok(order.indexOf("group") < order.indexOf("exposure"));
    assert.ok(order.indexOf("visit_system_membership") > order.indexOf("visit"));
    assert.deepEqual(warnings, [
      "no observing-day offset is known for instrument 'HSC': day_obs values were derived from " +
        "datetime_begin with offset 0 (TAI midnight); pass dayObsOffsets to set it",
      "dropped visit.seeing from 2 record(s): universe 8 has no such field",
    ]);
  });

  test("a known day offset sets the derived day and the synthesized day_obs timespan", () => {
    // 2015-03-18 14:07:24 TAI is still 2015-03-17's night for a day that starts at 22:00 TAI.
    const { document, warnings } = migrateExport(load("hsc-rc2-subset-v0.yaml"), {
      dayObsOffsets: { HSC: 22 * 3600 },
    });
    assert.deepEqual(
      records(document, "visit").map((v) => v["day_obs"]),
      [20141117, 20150317],
    );
    const day = records(document, "day_obs").find((r) => r["id"] === 20150317)!;
    assert.ok((day["timespan"] as Timespan).equals(Timespan.fromDayObs(20150317, 22 * 3600)));
    assert.deepEqual(warnings, ["dropped visit.seeing from 2 record(s): universe 8 has no such field"]);
  });

  test("base.yaml keeps instrument.visit_system, which universe 8 still has", () => {
    const { document, warnings } = migrateExport(load("base.yaml"));
    assert.equal(records(document, "instrument")[0]!["visit_system"], 1);
    assert.deepEqual(warnings, []);
  });
});

describe("migration steps on small documents", () => {
  const doc = (items: ExportDocument["items"], universeVersion = 0): ExportDocument => ({
    version: "0",
    universeVersion,
    universeNamespace: "daf_butler",
    items,
  });
  const dim = (element: string, ...recs: ExportRecord[]): DimensionItem => ({
    kind: "dimension",
    element,
    records: recs,
  });
  const tai = (text: string) => parseButlerTime(text);

  test("dayObsFromTime: the TAI date after subtracting the offset", () => {
    assert.equal(dayObsFromTime(tai("2025-12-03 07:59:07"), 12 * 3600), 20251202);
    assert.equal(dayObsFromTime(tai("2025-12-03 12:00:00"), 12 * 3600), 20251203);
    assert.equal(dayObsFromTime(tai("2025-12-03 07:59:07"), 0), 20251203);
  });

  test("the offset is read from the file's own day_obs records, else Rubin's default", () => {
    const visit = (instrument: string) => ({
      instrument,
      id: 1,
      name: "v1",
      physical_filter: "f",
      timespan: new Timespan(tai("2024-01-02 05:00:00"), tai("2024-01-02 05:01:00")),
    });
    const { document, warnings } = migrateExport(
      doc([
        dim("day_obs", {
          instrument: "Cam",
          id: 20240101,
          timespan: Timespan.fromDayObs(20240101, 6 * 3600),
        }),
        dim("visit", visit("Cam"), visit("LSSTCam")),
      ]),
    );
    // 05:00 is before Cam's 06:00 rollover, and before LSSTCam's 12:00 one.
    assert.deepEqual(
      records(document, "visit").map((v) => v["day_obs"]),
      [20240101, 20240101],
    );
    assert.deepEqual(warnings, []);
    const lsst = records(document, "day_obs").find((r) => r["instrument"] === "LSSTCam")!;
    assert.ok((lsst["timespan"] as Timespan).equals(Timespan.fromDayObs(20240101, 12 * 3600)));
    assert.equal(formatButlerTime((lsst["timespan"] as Timespan).begin!), "2024-01-01 12:00:00.000000000");
  });

  test("a visit without a time takes its day from an exposure through visit_definition", () => {
    const { document, warnings } = migrateExport(
      doc([
        dim("exposure", {
          instrument: "Cam",
          id: 7,
          obs_id: "o7",
          physical_filter: "f",
          group_id: 99,
          day_obs: 20200101,
        }),
        dim("visit", { instrument: "Cam", id: 70, name: "v70", physical_filter: "f" }),
        dim("visit", { instrument: "Cam", id: 71, name: "v71", physical_filter: "f" }),
        dim("visit_definition", { instrument: "Cam", exposure: 7, visit: 70 }),
      ]),
    );
    const [v70, v71] = records(document, "visit");
    assert.equal(v70!["day_obs"], 20200101);
    assert.equal("day_obs" in v71!, false);
    assert.equal(records(document, "exposure")[0]!["group"], "99");
    assert.deepEqual(records(document, "group"), [{ instrument: "Cam", name: "99" }]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /visit 71 of Cam has no day_obs/);
  });

  test("existing memberships, groups and days are not duplicated; unknown elements are dropped", () => {
    const { document, warnings } = migrateExport(
      doc([
        dim("calibration_label", { instrument: "Cam", name: "x" }),
        dim("group", { instrument: "Cam", name: "g" }),
        dim("day_obs", { instrument: "Cam", id: 20200101 }),
        dim("exposure", {
          instrument: "Cam",
          id: 7,
          obs_id: "o7",
          physical_filter: "f",
          group_name: "g",
          day_obs: 20200101,
        }),
        dim("visit", {
          instrument: "Cam",
          id: 70,
          name: "v",
          physical_filter: "f",
          day_obs: 20200101,
          visit_system: 0,
        }),
        dim("visit_system_membership", { instrument: "Cam", visit_system: 0, visit: 70 }),
      ]),
    );
    assert.deepEqual(elementOrder(document), [
      "group",
      "day_obs",
      "exposure",
      "visit",
      "visit_system_membership",
    ]);
    assert.equal(records(document, "group").length, 1);
    assert.equal(records(document, "day_obs").length, 1);
    assert.equal(records(document, "visit_system_membership").length, 1);
    assert.deepEqual(warnings, [
      "dropped 1 calibration_label record(s): universe 8 has no element 'calibration_label'",
    ]);
  });

  test("another namespace is left alone, with a warning", () => {
    const input = { ...doc([dim("visit", { seeing: 1 })]), universeNamespace: "other" };
    const { document, warnings } = migrateExport(input);
    assert.equal(document, input);
    assert.match(warnings[0]!, /namespace 'other'/);
  });
});
