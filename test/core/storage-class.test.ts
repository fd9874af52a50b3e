import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { defaultStorageClasses, StorageClassFactory } from "../../src/core/index.ts";
import {
  MissingStorageClassError,
  StorageClassConfigError,
  UnknownComponentError,
  UnknownParameterError,
} from "../../src/errors/index.ts";
import { PEER_DATA } from "../support/fixtures.ts";

const PEER_STORAGE_CLASSES = join(PEER_DATA, "storageClasses.yaml");

describe("storage classes", () => {
  test("an exposure lists the components the seed thread listed (calexp.*)", () => {
    const exposureF = defaultStorageClasses().get("ExposureF");
    assert.deepEqual(exposureF.allComponents(), [
      "apCorrMap",
      "bbox",
      "coaddInputs",
      "detector",
      "dimensions",
      "filter",
      "id",
      "image",
      "mask",
      "metadata",
      "photoCalib",
      "psf",
      "summaryStats",
      "transmissionCurve",
      "validPolygon",
      "variance",
      "visitInfo",
      "wcs",
      "xy0",
    ]);
    assert.equal(exposureF.componentStorageClass("image"), "ImageF");
    assert.equal(exposureF.componentStorageClass("metadata"), "PropertyList");
    assert.equal(exposureF.componentStorageClass("bbox"), "Box2I");
    assert.ok(exposureF.isA("Exposure"));
    assert.deepEqual([...exposureF.parameters].sort(), ["bbox", "origin"]);
  });

  test("an unknown parameter names itself and what is accepted", () => {
    const exposureF = defaultStorageClasses().get("ExposureF");
    assert.throws(
      () => exposureF.validateParameters({ test: "123" }),
      (e: unknown) =>
        e instanceof UnknownParameterError &&
        e.message ===
          "parameter 'test' not understood by storage class ExposureF; accepted parameters: bbox, origin",
    );
    exposureF.validateParameters({ bbox: {}, origin: "PARENT" });
  });

  test("an unknown component lists the valid ones", () => {
    assert.throws(
      () => defaultStorageClasses().get("ExposureF").componentStorageClass("metadta"),
      (e: unknown) =>
        e instanceof UnknownComponentError &&
        /did you mean 'metadata'\? Accepted components: apCorrMap, bbox/.test(e.message),
    );
  });

  test("known parameters include those of the components", () => {
    assert.deepEqual([...defaultStorageClasses().knownParameters("ExposureF")].sort(), ["bbox", "origin"]);
    assert.deepEqual([...defaultStorageClasses().knownParameters("ArrowTable")], ["columns"]);
  });

  test("an undefined storage class is a typed error listing known ones", () => {
    assert.throws(() => defaultStorageClasses().get("Nope"), MissingStorageClassError);
  });

  test("daf_butler's own storageClasses.yaml loads with its inheritance resolved", () => {
    const factory = StorageClassFactory.fromYaml(readFileSync(PEER_STORAGE_CLASSES, "utf8"));
    assert.ok(factory.names().length > 100);
    const calexp = factory.get("ExposureF");
    assert.equal(calexp.componentStorageClass("mask"), "MaskX");
    assert.equal(calexp.componentStorageClass("visitInfo"), "VisitInfo");
    assert.deepEqual([...calexp.derivedComponents.keys()].sort(), ["bbox", "dimensions", "xy0"]);
    assert.ok(factory.get("ImageF").parameters.has("bbox"));
    assert.deepEqual([...factory.get("ArrowTable").derivedComponents.keys()].sort(), [
      "columns",
      "rowcount",
      "schema",
    ]);
  });

  test("bad configs are refused with the reason", () => {
    assert.throws(
      () => StorageClassFactory.fromYaml("storageClasses:\n  A:\n    inheritsFrom: B\n"),
      StorageClassConfigError,
    );
    assert.throws(
      () => StorageClassFactory.fromYaml("storageClasses:\n  A:\n    inheritsFrom: A\n"),
      /inherits from itself/,
    );
    assert.throws(
      () => StorageClassFactory.fromYaml("storageClasses:\n  A:\n    components:\n      only: int\n"),
      /did you mean it to be a derived component/,
    );
  });
});
