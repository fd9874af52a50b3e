import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  DataCoordinate,
  defaultUniverse,
  makeDimensionRecord,
  parseDataId,
  recordDataId,
  Timespan,
} from "../../src/core/index.ts";
import {
  DimensionNameError,
  DimensionValueError,
  InconsistentDataIdError,
  InvalidArgumentError,
  UnresolvedDataIdError,
} from "../../src/errors/index.ts";
import { timeFromIso } from "../../src/time/index.ts";

const universe = defaultUniverse();

describe("DataCoordinate.standardize", () => {
  test("builds from a mapping, inferring the group from its keys", () => {
    const dataId = DataCoordinate.standardize(
      { instrument: "HSC", visit: 903334, detector: 16 },
      { universe },
    );
    assert.equal(dataId.dimensions, universe.conform(["visit", "detector"]));
    assert.deepEqual(dataId.requiredValues, ["HSC", 16, 903334]);
    assert.equal(dataId.hasFull(), false);
    assert.equal(dataId.hasRecords(), false);
    assert.equal(dataId.get("visit"), 903334);
    assert.equal(dataId.get("physical_filter"), undefined);
    assert.deepEqual(dataId.toJSON(), { instrument: "HSC", detector: 16, visit: 903334 });
    assert.equal(dataId.toString(), "{instrument: 'HSC', detector: 16, visit: 903334}");
  });

  test("merges keyword values and element.field keys", () => {
    const dataId = DataCoordinate.standardize(
      { instrument: "HSC" },
      { universe, "visit.id": 5, detector: 1 },
    );
    assert.deepEqual(dataId.requiredObject(), { instrument: "HSC", detector: 1, visit: 5 });
    const same = DataCoordinate.standardize(null, { universe, instrument: "HSC", visit: 5, detector: 1 });
    assert.ok(same.equals(dataId));
    assert.equal(same.key, dataId.key);
    assert.equal(same.hashCode(), dataId.hashCode());
  });

  test("is full when every implied value is given", () => {
    const dataId = DataCoordinate.standardize(
      { instrument: "HSC", visit: 5, physical_filter: "HSC-R", band: "r", day_obs: 20130617 },
      { universe },
    );
    assert.equal(dataId.dimensions, universe.conform(["visit"]));
    assert.ok(dataId.hasFull());
    assert.deepEqual(dataId.fullValues, ["HSC", 5, "r", 20130617, "HSC-R"]);
    assert.deepEqual(Object.keys(dataId.toJSON()), [
      "instrument",
      "visit",
      "band",
      "day_obs",
      "physical_filter",
    ]);
    // Equality ignores implied values.
    assert.ok(dataId.equals(DataCoordinate.standardize({ instrument: "HSC", visit: 5 }, { universe })));
  });

  test("uses an explicit group, ignoring values of other dimensions", () => {
    const group = universe.conform(["detector"]);
    const dataId = DataCoordinate.standardize(
      { instrument: "HSC", detector: 3, visit: 9 },
      { dimensions: group },
    );
    assert.equal(dataId.dimensions, group);
    assert.deepEqual(dataId.requiredValues, ["HSC", 3]);
  });

  test("fills only missing values from defaults", () => {
    const defaults = { instrument: "HSC", skymap: "hsc_rings" };
    const dataId = DataCoordinate.standardize({ detector: 5 }, { universe, defaults });
    assert.deepEqual(dataId.requiredObject(), { instrument: "HSC", detector: 5 });
    const other = DataCoordinate.standardize({ instrument: "LSSTCam", detector: 5 }, { universe, defaults });
    assert.equal(other.get("instrument"), "LSSTCam");
  });

  test("reads a Map, a DataCoordinate and its own JSON", () => {
    const fromMap = DataCoordinate.standardize(
      new Map<string, unknown>([
        ["instrument", "Cam1"],
        ["detector", 2],
      ]),
      { universe },
    );
    assert.ok(DataCoordinate.standardize(fromMap).equals(fromMap));
    assert.ok(DataCoordinate.standardize(JSON.parse(JSON.stringify(fromMap)), { universe }).equals(fromMap));
    assert.equal(
      DataCoordinate.standardize(fromMap, { dimensions: ["instrument"] }).toString(),
      "{instrument: 'Cam1'}",
    );
  });

  test("accepts bigint values within the safe range", () => {
    assert.equal(
      DataCoordinate.standardize({ instrument: "X", exposure: 2025120300123n }, { universe }).get("exposure"),
      2025120300123,
    );
  });

  test("inconsistent values for one dimension are an InconsistentDataIdError", () => {
    assert.throws(
      () => DataCoordinate.standardize({ instrument: "HSC", visit: 5, "visit.id": 6 }, { universe }),
      (err: unknown) =>
        err instanceof InconsistentDataIdError &&
        err.code === "INCONSISTENT_DATA_ID" &&
        err.dimension === "visit" &&
        /5 from visit.*6 from visit.id/.test(err.message),
    );
    assert.throws(
      () => DataCoordinate.standardize({ instrument: "HSC" }, { universe, instrument: "LSSTCam" }),
      /"HSC" from instrument \(data ID\) and "LSSTCam" from instrument \(keyword arguments\)/,
    );
  });

  test("unknown keys and fields are DimensionNameErrors naming what is accepted", () => {
    assert.throws(
      () => DataCoordinate.standardize({ instrument: "HSC", visitt: 5 }, { universe }),
      (err: unknown) =>
        err instanceof DimensionNameError &&
        err.key === "visitt" &&
        /did you mean 'visit'\? Accepted: dimension names/.test(err.message),
    );
    assert.throws(
      () => DataCoordinate.standardize({ "detector.fullname": "Ab" }, { universe }),
      /unrecognized field 'fullname' for detector.*accepted: instrument, id, full_name, name_in_raft, raft, purpose/,
    );
    assert.throws(
      () => DataCoordinate.standardize({ "visit_detector_region.visit": 1 }, { universe }),
      /is not a dimension/,
    );
  });

  test("values of the wrong type are DimensionValueErrors naming the accepted types", () => {
    assert.throws(
      () => DataCoordinate.standardize({ instrument: "HSC", day_obs: "20130617" }, { universe }),
      (err: unknown) =>
        err instanceof DimensionValueError && err.key === "day_obs" && /accepted: int$/.test(err.message),
    );
    assert.throws(
      () => DataCoordinate.standardize({ instrument: 5 }, { universe }),
      /accepted: string\(32\)$/,
    );
    assert.throws(
      () => DataCoordinate.standardize({ instrument: "HSC", detector: true }, { universe }),
      /accepted: int or an alternate key \(full_name: string\(32\)\)/,
    );
    assert.throws(
      () => DataCoordinate.standardize({ instrument: "HSC", visit: 1.5 }, { universe }),
      DimensionValueError,
    );
    assert.throws(
      () => DataCoordinate.standardize({ "detector.id": "x", instrument: "HSC" }, { universe }),
      DimensionValueError,
    );
  });

  test("a missing required dimension is a DimensionNameError", () => {
    assert.throws(
      () => DataCoordinate.standardize({ detector: 1 }, { universe }),
      (err: unknown) =>
        err instanceof DimensionNameError &&
        err.key === "instrument" &&
        /required dimension 'instrument'/.test(err.message),
    );
    assert.throws(
      () => DataCoordinate.standardize({ instrument: "HSC" }, { dimensions: universe.conform(["visit"]) }),
      /required dimension 'visit'/,
    );
  });

  test("needs a universe from somewhere", () => {
    assert.throws(() => DataCoordinate.standardize({ instrument: "HSC" }), InvalidArgumentError);
  });

  test("the empty data ID", () => {
    const empty = DataCoordinate.makeEmpty(universe);
    assert.ok(empty.hasFull() && empty.hasRecords());
    assert.ok(DataCoordinate.standardize({}, { universe }).equals(empty));
    assert.deepEqual(empty.toJSON(), {});
  });
});

describe("alternate keys and record constraints", () => {
  test("a string for an int-keyed dimension means its alternate key, pending a registry lookup", () => {
    assert.throws(
      () => DataCoordinate.standardize({ instrument: "Cam1", detector: "Ab" }, { universe }),
      (err: unknown) =>
        err instanceof UnresolvedDataIdError &&
        err.code === "UNRESOLVED_DATA_ID" &&
        err.constraints.length === 1 &&
        err.constraints[0]!.element === "detector" &&
        err.constraints[0]!.field === "full_name" &&
        /detector.full_name="Ab"/.test(err.message),
    );
    const parsed = parseDataId({ instrument: "Cam1", detector: "Ab" }, { universe });
    assert.equal(parsed.dimensions, universe.conform(["detector"]));
    assert.deepEqual([...parsed.values], [["instrument", "Cam1"]]);
    assert.deepEqual(parsed.constraints, [
      { element: "detector", field: "full_name", value: "Ab", role: "alternateKey", key: "detector" },
    ]);
    // The registry looks the record up, then completes the data ID.
    const dataId = DataCoordinate.fromParsed(parsed, { detector: 2 });
    assert.deepEqual(dataId.requiredObject(), { instrument: "Cam1", detector: 2 });
  });

  test("element.field keys for alternate keys and metadata become constraints", () => {
    const parsed = parseDataId(
      {
        instrument: "HSC",
        "exposure.obs_id": "HSCA90333400",
        "detector.full_name": "1_53",
        "exposure.seq_num": 12,
      },
      { universe },
    );
    assert.equal(parsed.dimensions, universe.conform(["exposure", "detector"]));
    assert.deepEqual(
      parsed.constraints.map((c) => [c.element, c.field, c.value, c.role]),
      [
        ["exposure", "obs_id", "HSCA90333400", "alternateKey"],
        ["detector", "full_name", "1_53", "alternateKey"],
        ["exposure", "seq_num", 12, "metadata"],
      ],
    );
    assert.throws(
      () => parseDataId({ instrument: "HSC", "exposure.seq_num": "x" }, { universe }),
      DimensionValueError,
    );
    assert.throws(
      () => parseDataId({ instrument: "HSC", "detector.full_name": "a", detector: "b" }, { universe }),
      InconsistentDataIdError,
    );
  });

  test("element.<dimension> keys set that dimension", () => {
    const parsed = parseDataId(
      { instrument: "HSC", visit: 1, "visit.physical_filter": "HSC-R" },
      { universe },
    );
    assert.equal(parsed.values.get("physical_filter"), "HSC-R");
  });

  test("resolved values that disagree with given ones are an InconsistentDataIdError", () => {
    const parsed = parseDataId({ instrument: "Cam1", detector: 1, "detector.full_name": "Ab" }, { universe });
    assert.throws(() => DataCoordinate.fromParsed(parsed, { detector: 2 }), InconsistentDataIdError);
  });
});

describe("records, subsets and expansion", () => {
  const visitGroup = universe.conform(["visit", "detector"]);
  const begin = timeFromIso("2021-09-09 03:00:00", "tai");
  const end = timeFromIso("2021-09-09 03:01:00", "tai");
  const region = { kind: "polygon" };
  const records = {
    instrument: makeDimensionRecord(universe.getElement("instrument"), { name: "Cam1", visit_max: 1024 }),
    band: makeDimensionRecord(universe.getElement("band"), { name: "g" }),
    day_obs: makeDimensionRecord(universe.getElement("day_obs"), {
      instrument: "Cam1",
      id: 20210909,
      timespan: Timespan.fromDayObs(20210909),
    }),
    detector: makeDimensionRecord(universe.getElement("detector"), {
      instrument: "Cam1",
      id: 1,
      full_name: "Aa",
    }),
    physical_filter: makeDimensionRecord(universe.getElement("physical_filter"), {
      instrument: "Cam1",
      name: "Cam1-G",
      band: "g",
    }),
    visit: makeDimensionRecord(universe.getElement("visit"), {
      instrument: "Cam1",
      id: 1,
      name: "1",
      physical_filter: "Cam1-G",
      day_obs: 20210909,
      timespan: new Timespan(begin, end),
      region,
    }),
    visit_detector_region: makeDimensionRecord(universe.getElement("visit_detector_region"), {
      instrument: "Cam1",
      visit: 1,
      detector: 1,
      region: { kind: "small polygon" },
    }),
  };

  test("dimension records are plain frozen objects checked against the element's fields", () => {
    const detector = records.detector;
    assert.deepEqual(
      { ...detector },
      { instrument: "Cam1", id: 1, full_name: "Aa", name_in_raft: null, raft: null, purpose: null },
    );
    assert.ok(Object.isFrozen(detector));
    assert.deepEqual(
      [...recordDataId(universe.getElement("visit"), records.visit)],
      [
        ["instrument", "Cam1"],
        ["visit", 1],
        ["day_obs", 20210909],
        ["physical_filter", "Cam1-G"],
      ],
    );
    assert.throws(
      () => makeDimensionRecord(universe.getElement("detector"), { instrument: "Cam1", id: 1, seeing: 2 }),
      DimensionNameError,
    );
    assert.throws(
      () => makeDimensionRecord(universe.getElement("detector"), { instrument: "Cam1" }),
      /needs a value for 'id'/,
    );
    assert.throws(
      () =>
        makeDimensionRecord(universe.getElement("visit"), {
          instrument: "Cam1",
          id: 1,
          name: "1",
          day_obs: 1,
          physical_filter: "x",
          timespan: 5,
        }),
      /visit.timespan takes a Timespan/,
    );
    assert.throws(
      () => makeDimensionRecord(universe.getElement("patch"), { skymap: "s", tract: 1, id: 2, cell_x: 0 }),
      /needs a value for 'cell_y'/,
    );
  });

  test("expanded: records attached, implied values taken from them, timespan and regions derived", () => {
    const dataId = DataCoordinate.standardize({ instrument: "Cam1", visit: 1, detector: 1 }, { universe });
    const expanded = dataId.expanded(records);
    assert.ok(expanded.hasRecords() && expanded.hasFull());
    assert.equal(expanded.get("physical_filter"), "Cam1-G");
    assert.equal(expanded.get("band"), "g");
    assert.equal(expanded.record("visit")?.name, "1");
    assert.ok(expanded.equals(dataId));
    // visit and day_obs share one temporal family; visit is the finer, so its timespan wins.
    assert.ok(expanded.timespan?.equals(new Timespan(begin, end)));
    assert.deepEqual(expanded.regions, [{ kind: "small polygon" }]);
    assert.throws(() => dataId.record("visit"), /no records attached/);
  });

  test("expanded refuses missing records and records that disagree with the data ID", () => {
    const dataId = DataCoordinate.standardize(
      { instrument: "Cam1", visit: 1, detector: 1 },
      { dimensions: visitGroup },
    );
    const { visit_detector_region: _, ...missing } = records;
    assert.throws(() => dataId.expanded(missing), /no record given for element 'visit_detector_region'/);
    const other = DataCoordinate.standardize({ instrument: "Cam1", visit: 1, detector: 2 }, { universe });
    assert.throws(() => other.expanded(records), InconsistentDataIdError);
  });

  test("subset keeps values and records that belong to the smaller group", () => {
    const expanded = DataCoordinate.standardize(
      { instrument: "Cam1", visit: 1, detector: 1 },
      { universe },
    ).expanded(records);
    const visitOnly = expanded.subset(["visit"]);
    assert.ok(visitOnly.hasFull() && visitOnly.hasRecords());
    assert.deepEqual(visitOnly.toJSON(), {
      instrument: "Cam1",
      visit: 1,
      band: "g",
      day_obs: 20210909,
      physical_filter: "Cam1-G",
    });
    // physical_filter is implied by visit but required on its own: the subset needs the full values.
    const minimal = DataCoordinate.standardize({ instrument: "Cam1", visit: 1 }, { universe });
    assert.throws(() => minimal.subset(["physical_filter"]), /implied value\(s\) physical_filter not known/);
    assert.throws(() => minimal.subset(["detector"]), /not within/);
    // standardize on an expanded data ID keeps its records.
    assert.ok(DataCoordinate.standardize(expanded, { dimensions: ["detector"] }).hasRecords());
  });

  test("fromRequiredValues, fromFullValues, withFullValues and union", () => {
    const group = universe.conform(["physical_filter"]);
    const minimal = DataCoordinate.fromRequiredValues(group, ["Cam1", "Cam1-G"]);
    assert.equal(minimal.hasFull(), false);
    const full = minimal.withFullValues({ band: "g" });
    assert.deepEqual(full.fullValues, ["Cam1", "Cam1-G", "g"]);
    assert.ok(DataCoordinate.fromFullValues(group, ["Cam1", "Cam1-G", "g"]).equals(full));
    assert.throws(() => full.withFullValues({ band: "r" }), InconsistentDataIdError);
    assert.throws(() => DataCoordinate.fromRequiredValues(group, ["Cam1"]), /needs 2 values/);
    assert.throws(() => DataCoordinate.fromRequiredValues(group, ["Cam1", 3]), /is not a string/);
    const joined = full.union(DataCoordinate.standardize({ instrument: "Cam1", detector: 4 }, { universe }));
    assert.deepEqual(joined.requiredObject(), { instrument: "Cam1", detector: 4, physical_filter: "Cam1-G" });
    assert.throws(
      () => full.union(DataCoordinate.standardize({ instrument: "X" }, { universe })),
      InconsistentDataIdError,
    );
  });

  test("keys distinguish groups and value types", () => {
    const a = DataCoordinate.standardize({ instrument: "1" }, { universe });
    const b = DataCoordinate.standardize({ instrument: "1", detector: 1 }, { universe });
    assert.notEqual(a.key, b.key);
    const map = new Map([[b.key, b]]);
    assert.equal(map.get(DataCoordinate.standardize({ detector: 1, instrument: "1" }, { universe }).key), b);
  });
});
