import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CollectionType,
  DATASET_ID_NAMESPACE,
  DataCoordinate,
  DatasetIdGenEnum,
  DatasetRef,
  DatasetType,
  datasetIdName,
  defaultUniverse,
  makeDatasetId,
  normalizeUuid,
  splitDatasetTypeName,
  UUID_NAMESPACE_DNS,
  uuid5,
  uuid7,
  uuidVersion,
  validateCollectionName,
} from "../../src/core/index.ts";
import {
  CollectionNameError,
  CollectionTypeError,
  DatasetTypeError,
  InvalidDatasetIdError,
} from "../../src/errors/index.ts";

const universe = defaultUniverse();
const biasDims = universe.conform(["instrument", "detector"]);

describe("DatasetType", () => {
  test("holds name, dimensions, storage class and calibration flag", () => {
    const bias = new DatasetType("bias", biasDims, "ExposureF", { isCalibration: true });
    assert.equal(bias.name, "bias");
    assert.equal(bias.dimensions, biasDims);
    assert.equal(bias.storageClass, "ExposureF");
    assert.equal(bias.isCalibration, true);
    assert.deepEqual(bias.nameAndComponent(), ["bias", null]);
    assert.equal(bias.isComponent(), false);
    assert.deepEqual(bias.toJSON(), {
      name: "bias",
      storageClass: "ExposureF",
      dimensions: ["instrument", "detector"],
      isCalibration: true,
    });
    assert.ok(DatasetType.fromJSON(bias.toJSON(), universe).equals(bias));
  });

  test("component types split at the first dot and carry the parent's storage class", () => {
    assert.deepEqual(splitDatasetTypeName("a.b.c"), ["a", "b.c"]);
    const calexp = DatasetType.fromNames("calexp", ["visit", "detector"], "ExposureF", universe);
    const wcs = calexp.makeComponentDatasetType("wcs", "Wcs");
    assert.equal(wcs.name, "calexp.wcs");
    assert.deepEqual(wcs.nameAndComponent(), ["calexp", "wcs"]);
    assert.equal(wcs.component, "wcs");
    assert.equal(wcs.parentName, "calexp");
    assert.equal(wcs.storageClass, "Wcs");
    assert.equal(wcs.parentStorageClass, "ExposureF");
    assert.ok(wcs.makeCompositeDatasetType().equals(calexp));
    assert.equal(wcs.toJSON().parentStorageClass, "ExposureF");
    assert.throws(() => new DatasetType("calexp.wcs", biasDims, "Wcs"), /needs the parent's storage class/);
    assert.throws(
      () => new DatasetType("calexp", biasDims, "X", { parentStorageClass: "Y" }),
      /takes no parentStorageClass/,
    );
  });

  test("bad names are DatasetTypeErrors; governor names are reserved", () => {
    for (const bad of ["", "1abc", "a-b", "a..b", "a.", ".a", "a b", "a.1b"]) {
      assert.throws(
        () => new DatasetType(bad, biasDims, "X"),
        (err: unknown) =>
          err instanceof DatasetTypeError &&
          err.code === "DATASET_TYPE" &&
          /accepted: letters/.test(err.message),
        bad,
      );
    }
    assert.throws(
      () => new DatasetType("instrument", biasDims, "X"),
      /reserved: governor dimension names \(instrument, skymap\)/,
    );
    assert.throws(() => new DatasetType("skymap", biasDims, "X"), DatasetTypeError);
    assert.equal(new DatasetType("skyMap", biasDims, "X").name, "skyMap");
    assert.equal(new DatasetType("_a.b_2", biasDims, "X", { parentStorageClass: "Y" }).name, "_a.b_2");
  });

  test("equality and compatibility", () => {
    const a = new DatasetType("flat", biasDims, "ExposureF");
    assert.ok(a.equals(new DatasetType("flat", universe.conform(["detector"]), "ExposureF")));
    assert.ok(!a.equals(new DatasetType("flat", biasDims, "ExposureF", { isCalibration: true })));
    const b = new DatasetType("flat", biasDims, "ArrowAstropy");
    assert.ok(!a.equals(b));
    assert.equal(a.isCompatibleWith(b), false);
    assert.equal(
      a.isCompatibleWith(b, (from, to) => from === "ArrowAstropy" && to === "ExposureF"),
      true,
    );
    assert.equal(
      a.isCompatibleWith(new DatasetType("flat", universe.conform(["visit"]), "ExposureF")),
      false,
    );
  });
});

describe("UUIDs", () => {
  test("uuid5 matches RFC 9562 and Python's uuid module", () => {
    assert.equal(uuid5(UUID_NAMESPACE_DNS, "python.org"), "886313e1-3b8a-5372-9b90-0c9aee199e5d");
    // The dataset ID namespace is itself uuid5(DNS, "lsst.org").
    assert.equal(uuid5(UUID_NAMESPACE_DNS, "lsst.org"), DATASET_ID_NAMESPACE);
  });

  test("uuid7 puts big-endian Unix milliseconds first, then version 7, variant, random bits", () => {
    const fixed = uuid7(0x0123456789ab, new Uint8Array(10).fill(0xff));
    assert.equal(fixed, "01234567-89ab-7fff-bfff-ffffffffffff");
    const now = Date.now();
    const id = uuid7();
    assert.equal(uuidVersion(id), 7);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ms = Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16);
    assert.ok(Math.abs(ms - now) < 5000);
    assert.notEqual(uuid7(), uuid7());
    assert.throws(() => uuid7(-1), InvalidDatasetIdError);
  });

  test("normalizeUuid accepts common spellings and rejects the rest", () => {
    const canonical = "840b31d9-05cd-5161-b2c8-00d32b280d0f";
    assert.equal(normalizeUuid("840B31D9-05CD-5161-B2C8-00D32B280D0F"), canonical);
    assert.equal(normalizeUuid("840b31d905cd5161b2c800d32b280d0f"), canonical);
    assert.equal(normalizeUuid(`urn:uuid:{${canonical}}`), canonical);
    assert.throws(() => normalizeUuid("840b31d9-05cd-5161-b2c8"), /is not a UUID; accepted: 32 hex digits/);
  });
});

describe("dataset IDs", () => {
  const dataId = DataCoordinate.standardize({ instrument: "Cam1", detector: 1 }, { universe });

  test("deterministic modes reproduce daf_butler's IDs", () => {
    assert.equal(
      datasetIdName("run", "datasetType", dataId, DatasetIdGenEnum.DATAID_TYPE),
      "dataset_type=datasetType,detector=1,instrument=Cam1",
    );
    assert.equal(
      makeDatasetId("run", "datasetType", dataId, DatasetIdGenEnum.DATAID_TYPE),
      "161d22bf-2b00-5e78-9bee-6af8a1ad21fc",
    );
    assert.equal(
      makeDatasetId("run", "datasetType", dataId, DatasetIdGenEnum.DATAID_TYPE_RUN),
      "608db147-5cba-5488-8ca3-9088f7ac173f",
    );
    // DATAID_TYPE ignores the run; DATAID_TYPE_RUN does not.
    assert.equal(
      makeDatasetId("other", "datasetType", dataId, DatasetIdGenEnum.DATAID_TYPE),
      "161d22bf-2b00-5e78-9bee-6af8a1ad21fc",
    );
    assert.notEqual(
      makeDatasetId("other", "datasetType", dataId, DatasetIdGenEnum.DATAID_TYPE_RUN),
      "608db147-5cba-5488-8ca3-9088f7ac173f",
    );
  });

  test("only required values are hashed", () => {
    const full = DataCoordinate.standardize(
      { instrument: "Cam1", visit: 5, band: "g", physical_filter: "Cam1-G", day_obs: 20210909 },
      { universe },
    );
    assert.equal(
      datasetIdName("r", "t", full, DatasetIdGenEnum.DATAID_TYPE_RUN),
      "dataset_type=t,run=r,instrument=Cam1,visit=5",
    );
  });

  test("UNIQUE makes a UUIDv7, the others UUIDv5", () => {
    assert.equal(uuidVersion(makeDatasetId("run", "t", dataId)), 7);
    assert.equal(uuidVersion(makeDatasetId("run", "t", dataId, DatasetIdGenEnum.DATAID_TYPE)), 5);
    assert.equal(uuidVersion(makeDatasetId("run", "t", dataId, DatasetIdGenEnum.DATAID_TYPE_RUN)), 5);
  });

  test("modes by name, case-insensitively", () => {
    assert.equal(DatasetIdGenEnum.fromName("dataid_type_run"), DatasetIdGenEnum.DATAID_TYPE_RUN);
    assert.deepEqual(
      DatasetIdGenEnum.all.map((m) => [m.name, m.value]),
      [
        ["UNIQUE", 0],
        ["DATAID_TYPE", 1],
        ["DATAID_TYPE_RUN", 2],
      ],
    );
    assert.throws(
      () => DatasetIdGenEnum.fromName("random"),
      /accepted: UNIQUE, DATAID_TYPE, DATAID_TYPE_RUN/,
    );
  });
});

describe("DatasetRef", () => {
  const calexp = DatasetType.fromNames("calexp", ["visit", "detector"], "ExposureF", universe);
  const dataId = DataCoordinate.standardize({ instrument: "HSC", visit: 903334, detector: 16 }, { universe });

  test("makes or normalizes its ID", () => {
    const ref = new DatasetRef(calexp, dataId, "HSC/runs/test");
    assert.equal(uuidVersion(ref.id), 7);
    const given = new DatasetRef(calexp, dataId, "run", { id: "840B31D9-05CD-5161-B2C8-00D32B280D0F" });
    assert.equal(given.id, "840b31d9-05cd-5161-b2c8-00d32b280d0f");
    const det = new DatasetRef(calexp, dataId, "run", { idGenerationMode: DatasetIdGenEnum.DATAID_TYPE_RUN });
    assert.equal(
      det.id,
      new DatasetRef(calexp, dataId, "run", { idGenerationMode: DatasetIdGenEnum.DATAID_TYPE_RUN }).id,
    );
  });

  test("equality is on type, data ID and ID", () => {
    const a = new DatasetRef(calexp, dataId, "run1", { id: DATASET_ID_NAMESPACE });
    assert.ok(a.equals(new DatasetRef(calexp, dataId, "run2", { id: DATASET_ID_NAMESPACE })));
    assert.ok(!a.equals(new DatasetRef(calexp, dataId, "run1")));
    const other = DataCoordinate.standardize(
      { instrument: "HSC", visit: 903334, detector: 17 },
      { universe },
    );
    assert.ok(!a.equals(new DatasetRef(calexp, other, "run1", { id: DATASET_ID_NAMESPACE })));
  });

  test("component refs share ID, run and data ID", () => {
    const ref = new DatasetRef(calexp, dataId, "run");
    const wcs = ref.makeComponentRef("wcs", "Wcs");
    assert.equal(wcs.datasetType.name, "calexp.wcs");
    assert.equal(wcs.id, ref.id);
    assert.equal(wcs.run, "run");
    assert.ok(wcs.isComponent());
    assert.ok(wcs.makeCompositeRef().equals(ref));
  });

  test("checks the data ID's dimensions and the run name", () => {
    const wrong = DataCoordinate.standardize({ instrument: "HSC", detector: 16 }, { universe });
    assert.throws(() => new DatasetRef(calexp, wrong, "run"), /do not match dataset type calexp's/);
    assert.throws(() => new DatasetRef(calexp, dataId, "x".repeat(65)), CollectionNameError);
    assert.throws(() => new DatasetRef(calexp, dataId, "run", { id: "nope" }), InvalidDatasetIdError);
  });

  test("round-trips through JSON", () => {
    const ref = new DatasetRef(calexp, dataId, "run");
    const back = DatasetRef.fromJSON(JSON.parse(JSON.stringify(ref)), universe);
    assert.ok(back.equals(ref));
    assert.equal(back.run, "run");
  });
});

describe("CollectionType", () => {
  test("has daf_butler's numbers", () => {
    assert.deepEqual(
      CollectionType.all.map((t) => [t.name, t.value]),
      [
        ["RUN", 1],
        ["TAGGED", 2],
        ["CHAINED", 3],
        ["CALIBRATION", 4],
      ],
    );
    assert.equal(CollectionType.fromValue(4), CollectionType.CALIBRATION);
    assert.throws(() => CollectionType.fromValue(0), /accepted: 1 \(RUN\), 2 \(TAGGED\)/);
  });

  test("fromName ignores case", () => {
    assert.equal(CollectionType.fromName("run"), CollectionType.RUN);
    assert.equal(CollectionType.fromName("Calibration"), CollectionType.CALIBRATION);
    assert.equal(CollectionType.fromName("CHAINED"), CollectionType.CHAINED);
    assert.throws(
      () => CollectionType.fromName("chain"),
      (err: unknown) =>
        err instanceof CollectionTypeError && /accepted: RUN, TAGGED, CHAINED, CALIBRATION/.test(err.message),
    );
  });

  test("is one frozen value per type", () => {
    assert.ok(Object.isFrozen(CollectionType.RUN));
    assert.equal(String(CollectionType.TAGGED), "TAGGED");
    assert.equal(JSON.stringify({ type: CollectionType.TAGGED }), '{"type":"TAGGED"}');
  });
});

describe("validateCollectionName", () => {
  test("accepts names of 1–64 characters", () => {
    assert.equal(
      validateCollectionName("HSC/runs/ci_hsc/20240806T180642Z"),
      "HSC/runs/ci_hsc/20240806T180642Z",
    );
    assert.equal(validateCollectionName("x".repeat(64)).length, 64);
    assert.equal(validateCollectionName("é".repeat(64)).length, 64);
  });

  test("rejects empty, long and control-character names, naming what is accepted", () => {
    for (const bad of ["", "x".repeat(65), "a\nb", " run", "run\t"]) {
      assert.throws(
        () => validateCollectionName(bad),
        (err: unknown) =>
          err instanceof CollectionNameError &&
          err.code === "COLLECTION_NAME" &&
          /accepted: 1–64 characters/.test(err.message),
        JSON.stringify(bad),
      );
    }
  });
});
