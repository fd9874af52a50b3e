import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { coalesceRanges } from "../../src/bytes/coalesce-ranges.ts";
import { InvalidArgumentError } from "../../src/errors/index.ts";

describe("coalesceRanges", () => {
  test("merges adjacent ranges into one group", () => {
    const groups = coalesceRanges([
      { offset: 0, length: 10 },
      { offset: 10, length: 5 },
      { offset: 15, length: 1 },
    ]);
    assert.deepEqual(groups, [{ offset: 0, length: 16, members: [0, 1, 2] }]);
  });

  test("bridges a gap of exactly gapBytes, splits at gapBytes + 1", () => {
    const opts = { gapBytes: 100 };
    assert.deepEqual(
      coalesceRanges(
        [
          { offset: 0, length: 10 },
          { offset: 110, length: 10 },
        ],
        opts,
      ),
      [{ offset: 0, length: 120, members: [0, 1] }],
    );
    assert.deepEqual(
      coalesceRanges(
        [
          { offset: 0, length: 10 },
          { offset: 111, length: 10 },
        ],
        opts,
      ),
      [
        { offset: 0, length: 10, members: [0] },
        { offset: 111, length: 10, members: [1] },
      ],
    );
  });

  test("gapBytes 0 merges only touching ranges", () => {
    const groups = coalesceRanges(
      [
        { offset: 0, length: 4 },
        { offset: 4, length: 4 },
        { offset: 9, length: 1 },
      ],
      { gapBytes: 0 },
    );
    assert.deepEqual(groups, [
      { offset: 0, length: 8, members: [0, 1] },
      { offset: 9, length: 1, members: [2] },
    ]);
  });

  test("sorts unsorted input and reports members as input indices", () => {
    const groups = coalesceRanges(
      [
        { offset: 5000, length: 10 },
        { offset: 0, length: 10 },
        { offset: 20, length: 10 },
      ],
      { gapBytes: 16 },
    );
    assert.deepEqual(groups, [
      { offset: 0, length: 30, members: [1, 2] },
      { offset: 5000, length: 10, members: [0] },
    ]);
  });

  test("splits when a group would exceed maxRequestBytes", () => {
    const groups = coalesceRanges(
      [
        { offset: 0, length: 40 },
        { offset: 40, length: 40 },
        { offset: 80, length: 40 },
      ],
      { maxRequestBytes: 100 },
    );
    assert.deepEqual(groups, [
      { offset: 0, length: 80, members: [0, 1] },
      { offset: 80, length: 40, members: [2] },
    ]);
  });

  test("a single range larger than the cap is one group of its own", () => {
    const groups = coalesceRanges(
      [
        { offset: 0, length: 10 },
        { offset: 10, length: 500 },
        { offset: 510, length: 10 },
      ],
      { maxRequestBytes: 100 },
    );
    assert.deepEqual(groups, [
      { offset: 0, length: 10, members: [0] },
      { offset: 10, length: 500, members: [1] },
      { offset: 510, length: 10, members: [2] },
    ]);
  });

  test("overlapping and contained ranges merge without growing past the outer end", () => {
    const groups = coalesceRanges([
      { offset: 0, length: 100 },
      { offset: 10, length: 20 },
      { offset: 90, length: 30 },
    ]);
    assert.deepEqual(groups, [{ offset: 0, length: 120, members: [0, 1, 2] }]);
  });

  test("empty input gives no groups", () => {
    assert.deepEqual(coalesceRanges([]), []);
  });

  test("rejects meaningless options", () => {
    assert.throws(() => coalesceRanges([], { gapBytes: -1 }), InvalidArgumentError);
    assert.throws(() => coalesceRanges([], { maxRequestBytes: 0 }), InvalidArgumentError);
    assert.throws(() => coalesceRanges([], { gapBytes: 1.5 }), InvalidArgumentError);
  });
});
