/**
 * Point2I, Extent2I and Box2I follow afw's conventions: inclusive corners, min + dimensions, the
 * empty box, containment and overlap, intersection, shifting, equality and afw's repr.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidArgumentError } from "../../src/errors/index.ts";
import { Box2I, toParentBox } from "../../src/image/box.ts";
import { Extent2I, Point2I } from "../../src/image/point.ts";

describe("Point2I and Extent2I", () => {
  test("arithmetic, equality and repr", () => {
    const p = new Point2I(3, 4);
    assert.ok(p.plus(new Extent2I(1, -2)).equals(new Point2I(4, 2)));
    assert.ok(new Point2I(5, 5).minus(p).equals(new Extent2I(2, 1)));
    assert.equal(p.toString(), "Point2I(3, 4)");
    assert.equal(new Extent2I(64, 32).toString(), "Extent2I(64, 32)");
    assert.ok(!p.equals(new Point2I(4, 3)));
  });

  test("non-integers are refused", () => {
    assert.throws(() => new Point2I(1.5, 0), InvalidArgumentError);
    assert.throws(() => new Extent2I(0, Number.NaN), InvalidArgumentError);
  });
});

describe("Box2I", () => {
  test("inclusive corners and min + dimensions describe the same box", () => {
    const a = Box2I.fromCorners(100, 100, 299, 299);
    const b = new Box2I(new Point2I(100, 100), new Extent2I(200, 200));
    assert.ok(a.equals(b));
    assert.equal(a.minX, 100);
    assert.equal(a.maxX, 299);
    assert.equal(a.endX, 300);
    assert.equal(a.width, 200);
    assert.equal(a.height, 200);
    assert.equal(a.area, 40000);
    assert.ok(a.maximum.equals(new Point2I(299, 299)));
    assert.ok(Box2I.fromXYWH(100, 100, 200, 200).equals(a));
  });

  test("reversed corners and negative dimensions are inverted, as afw does by default", () => {
    assert.ok(Box2I.fromCorners(5, 7, 1, 2).equals(Box2I.fromCorners(1, 2, 5, 7)));
    const inverted = new Box2I(new Point2I(10, 10), new Extent2I(-3, -2));
    assert.ok(inverted.equals(Box2I.fromCorners(8, 9, 10, 10)));
    assert.ok(new Box2I(new Point2I(10, 10), new Extent2I(-3, 2), false).isEmpty());
  });

  test("a single pixel and the empty box", () => {
    const one = Box2I.fromCorners(4, 4, 4, 4);
    assert.equal(one.area, 1);
    assert.ok(!one.isEmpty());
    const empty = new Box2I(new Point2I(5, 5), new Extent2I(0, 3));
    assert.ok(empty.isEmpty());
    assert.ok(empty.equals(Box2I.empty()));
    assert.equal(empty.minX, 0);
    assert.equal(empty.maxX, -1);
  });

  test("contains points and boxes", () => {
    const box = Box2I.fromCorners(0, 0, 63, 31);
    assert.ok(box.contains(new Point2I(0, 0)));
    assert.ok(box.contains(new Point2I(63, 31)));
    assert.ok(!box.contains(new Point2I(64, 0)));
    assert.ok(!box.contains(new Point2I(0, -1)));
    assert.ok(box.contains(Box2I.fromCorners(10, 10, 63, 31)));
    assert.ok(!box.contains(Box2I.fromCorners(10, 10, 64, 31)));
    assert.ok(box.contains(Box2I.empty()), "every box contains the empty box");
  });

  test("overlaps and intersection", () => {
    const a = Box2I.fromCorners(0, 0, 9, 9);
    const b = Box2I.fromCorners(5, 8, 20, 20);
    assert.ok(a.overlaps(b) && b.overlaps(a));
    assert.ok(a.intersection(b).equals(Box2I.fromCorners(5, 8, 9, 9)));
    const touching = Box2I.fromCorners(10, 0, 12, 9);
    assert.ok(!a.overlaps(touching), "boxes that only share an edge line do not overlap");
    assert.ok(a.intersection(touching).isEmpty());
    assert.ok(!a.overlaps(Box2I.empty()));
    assert.ok(a.union(b).equals(Box2I.fromCorners(0, 0, 20, 20)));
  });

  test("shift and grow return new boxes", () => {
    const a = Box2I.fromCorners(0, 0, 9, 9);
    const moved = a.shift(new Extent2I(100, -5));
    assert.ok(moved.equals(Box2I.fromCorners(100, -5, 109, 4)));
    assert.ok(a.equals(Box2I.fromCorners(0, 0, 9, 9)), "the original is unchanged");
    assert.ok(Box2I.empty().shift(new Extent2I(3, 3)).isEmpty());
    assert.ok(a.grow(2).equals(Box2I.fromCorners(-2, -2, 11, 11)));
  });

  test("toString is afw's repr", () => {
    assert.equal(
      Box2I.fromCorners(0, 0, 63, 31).toString(),
      "Box2I(minimum=Point2I(0, 0), dimensions=Extent2I(64, 32))",
    );
    assert.equal(Box2I.empty().toString(), "Box2I(minimum=Point2I(0, 0), dimensions=Extent2I(0, 0))");
  });

  test("LOCAL boxes become PARENT boxes by adding xy0", () => {
    const local = Box2I.fromCorners(0, 0, 9, 9);
    const xy0 = new Point2I(100, 100);
    assert.ok(toParentBox(local, "LOCAL", xy0).equals(Box2I.fromCorners(100, 100, 109, 109)));
    assert.ok(toParentBox(local, "PARENT", xy0).equals(local));
    assert.throws(() => toParentBox(local, "parent" as "PARENT", xy0), InvalidArgumentError);
  });
});
