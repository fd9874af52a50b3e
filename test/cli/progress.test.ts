/** The progress bar's line: how far, how fast, and how long is left. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { progressLine } from "../../src/cli/progress.ts";

describe("progressLine", () => {
  test("shows the rate and the time left at that rate", () => {
    assert.equal(
      progressLine("scanning", 25, 100, 5_000),
      "scanning [########----------------------] 25/100 5.0/s 0:15 left",
    );
    assert.equal(
      progressLine("x", 1200, 4800, 10_000),
      `x [${"#".repeat(8)}${"-".repeat(22)}] 1200/4800 120/s 0:30 left`,
    );
    assert.match(progressLine("x", 1, 100_000, 2_000), / 0\.5\/s 55:33:18 left$/);
  });

  test("says how long it took once done, and nothing about speed before the first item", () => {
    assert.match(progressLine("x", 10, 10, 65_000), / 10\/10 0\.2\/s in 1:05$/);
    assert.equal(progressLine("x", 0, 10, 0), `x [${"-".repeat(30)}] 0/10`);
  });
});
