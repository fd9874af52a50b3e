import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defaultUniverse } from "../../src/core/index.ts";
import { DimensionNameError } from "../../src/errors/index.ts";

const universe = defaultUniverse();
const sorted = (names: readonly string[]) => [...names].sort();

describe("DimensionGroup (universe.conform)", () => {
  test("conform([exposure, detector, visit]) matches daf_butler's pinned facts", () => {
    const group = universe.conform(["exposure", "detector", "visit"]);
    assert.deepEqual(
      sorted(group.names),
      sorted(["instrument", "exposure", "detector", "visit", "physical_filter", "band", "group", "day_obs"]),
    );
    assert.deepEqual(sorted(group.required), sorted(["instrument", "exposure", "detector", "visit"]));
    assert.deepEqual(sorted(group.implied), sorted(["physical_filter", "band", "group", "day_obs"]));
    const extra = group.elements.filter((e) => !group.has(e));
    assert.deepEqual(sorted(extra), ["visit_definition", "visit_detector_region"]);
    assert.deepEqual(group.governors, ["instrument"]);
    assert.equal(group.regionDimension, "visit_detector_region");
    assert.equal(group.timespanDimension, "exposure");
  });

  test("conform([physical_filter, detector]): band is implied", () => {
    const group = universe.conform(["physical_filter", "detector"]);
    assert.deepEqual(sorted(group.required), ["detector", "instrument", "physical_filter"]);
    assert.deepEqual(group.implied, ["band"]);
    assert.equal(group.regionDimension, null);
    assert.equal(group.timespanDimension, null);
  });

  test("conform([patch]) is skymap, tract and patch, all required", () => {
    const group = universe.conform(["patch"]);
    assert.deepEqual(group.names, ["skymap", "tract", "patch"]);
    assert.deepEqual(group.required, ["skymap", "tract", "patch"]);
    assert.deepEqual(group.implied, []);
    assert.equal(group.regionDimension, "patch");
  });

  test("a dimension is required iff no other dimension in the group implies it", () => {
    assert.deepEqual(universe.conform(["band"]).required, ["band"]);
    assert.deepEqual(universe.conform(["band", "instrument"]).required, ["band", "instrument"]);
    assert.deepEqual(universe.conform(["physical_filter"]).required, ["instrument", "physical_filter"]);
    const visit = universe.conform(["visit"]);
    assert.deepEqual(visit.required, ["instrument", "visit"]);
    assert.deepEqual(visit.implied, ["band", "day_obs", "physical_filter"]);
    assert.deepEqual(visit.dataCoordinateKeys, ["instrument", "visit", "band", "day_obs", "physical_filter"]);
  });

  test("names follow the universe's topological order; groups are cached", () => {
    const group = universe.conform(["visit", "detector"]);
    assert.deepEqual(group.names, ["band", "instrument", "day_obs", "detector", "physical_filter", "visit"]);
    assert.equal(universe.conform(["detector", "visit", "instrument"]), group);
    assert.equal(universe.conform(group), group);
    assert.equal(group.key, group.names.join(","));
    assert.equal(group.toString(), "{band, instrument, day_obs, detector, physical_filter, visit}");
    assert.deepEqual(JSON.parse(JSON.stringify(group)), group.names);
  });

  test("only dimensions can be conformed", () => {
    assert.throws(() => universe.conform(["visit_detector_region"]), DimensionNameError);
    assert.throws(() => universe.conform(["nonsense"]), /unknown dimension 'nonsense'/);
  });

  test("set operations", () => {
    const a = universe.conform(["visit"]);
    const b = universe.conform(["detector"]);
    const union = a.union(b);
    assert.equal(union, universe.conform(["visit", "detector"]));
    assert.equal(union.intersection(b), b);
    assert.ok(b.isSubsetOf(union));
    assert.ok(union.isSupersetOf(a));
    assert.ok(!a.isDisjointFrom(b));
    assert.ok(universe.conform(["tract"]).isDisjointFrom(a));
    assert.ok(universe.empty.isEmpty);
    assert.equal(universe.empty.size, 0);
  });

  test("region and timespan dimensions pick the finest family member, or null across families", () => {
    assert.equal(universe.conform(["visit"]).regionDimension, "visit");
    assert.equal(universe.conform(["visit"]).timespanDimension, "visit");
    assert.equal(universe.conform(["day_obs"]).timespanDimension, "day_obs");
    assert.equal(universe.conform(["htm7"]).regionDimension, "htm7");
    assert.equal(universe.conform(["htm7", "htm9"]).regionDimension, "htm9");
    assert.equal(universe.conform(["visit", "tract"]).regionDimension, null);
    assert.deepEqual(
      universe.conform(["visit", "tract"]).spatialFamilies.map((f) => f.name),
      ["skymap_regions", "observation_regions"],
    );
  });

  test("lookup order puts implying dimensions before implied ones", () => {
    const order = universe.conform(["exposure", "detector", "visit"]).lookupOrder;
    const before = (a: string, b: string) => order.indexOf(a) < order.indexOf(b);
    assert.ok(before("exposure", "group"));
    assert.ok(before("exposure", "physical_filter"));
    assert.ok(before("physical_filter", "band"));
    assert.ok(before("instrument", "detector"));
    assert.ok(before("visit", "visit_detector_region"));
    assert.equal(order.length, universe.conform(["exposure", "detector", "visit"]).elements.length);
  });

  test("an element's minimal group", () => {
    assert.equal(
      universe.getElement("visit_detector_region").minimalGroup,
      universe.conform(["visit", "detector"]),
    );
  });
});
