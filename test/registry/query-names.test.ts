import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { didYouMean, editDistance, suggest } from "../../src/did-you-mean.ts";

const DIMENSIONS = [
  "instrument",
  "visit",
  "exposure",
  "detector",
  "physical_filter",
  "band",
  "day_obs",
  "group",
  "skymap",
  "tract",
  "patch",
  "visit_detector_region",
  "visit_system",
];

describe("editDistance", () => {
  test("insertions, deletions, substitutions and adjacent swaps cost 1", () => {
    assert.equal(editDistance("visit", "visit"), 0);
    assert.equal(editDistance("vist", "visit"), 1);
    assert.equal(editDistance("visitt", "visit"), 1);
    assert.equal(editDistance("visat", "visit"), 1);
    assert.equal(editDistance("vsiit", "visit"), 1);
    assert.equal(editDistance("", "abc"), 3);
    assert.equal(editDistance("kitten", "sitting"), 3);
  });

  test("stops early past the limit", () => {
    assert.equal(editDistance("abcdef", "uvwxyz", 2), 3);
    assert.equal(editDistance("a", "abcdefgh", 2), 3);
  });
});

describe("suggest", () => {
  test("the closest names, nearest first", () => {
    assert.deepEqual(suggest("vist", DIMENSIONS), ["visit"]);
    assert.deepEqual(suggest("detecter", DIMENSIONS), ["detector"]);
    assert.deepEqual(suggest("physical_fliter", DIMENSIONS), ["physical_filter"]);
    assert.deepEqual(suggest("Visit", DIMENSIONS), ["visit"]);
  });

  test("at most three, ties alphabetical, duplicates once", () => {
    assert.deepEqual(suggest("bat", ["bad", "bar", "baz", "bam", "bat2", "bar"]), ["bad", "bam", "bar"]);
    assert.deepEqual(suggest("bat", ["bad", "bar"], { max: 1 }), ["bad"]);
  });

  test("nothing when nothing is close", () => {
    assert.deepEqual(suggest("zzzzzz", DIMENSIONS), []);
    assert.deepEqual(suggest("x", []), []);
  });

  test("qualified names compare whole", () => {
    assert.deepEqual(
      suggest("visit.exposure_tim", [
        "visit.exposure_time",
        "visit.science_program",
        "exposure.exposure_time",
      ]),
      ["visit.exposure_time"],
    );
  });

  test("maxDistance widens or narrows the search", () => {
    assert.deepEqual(suggest("tract", DIMENSIONS, { maxDistance: 0 }), ["tract"]);
    assert.deepEqual(suggest("trac", ["tract", "brick"], { maxDistance: 3 }), ["tract", "brick"]);
    assert.deepEqual(suggest("trac", ["tract", "brick"]), ["tract"]);
  });
});

describe("didYouMean", () => {
  test("message tails for none, one and several", () => {
    assert.equal(
      `unknown name 'vist'${didYouMean("vist", DIMENSIONS)}`,
      "unknown name 'vist'; did you mean 'visit'?",
    );
    assert.equal(didYouMean("bat", ["bad", "bar", "baz"]), "; did you mean 'bad', 'bar' or 'baz'?");
    assert.equal(didYouMean("qqqq", DIMENSIONS), "");
  });
});
