/** Bind values on the wire: what JSON has no type for round-trips through its tagged form. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { bindFromJson, bindToJson } from "../../src/client/bind-wire.ts";
import { Timespan } from "../../src/core/index.ts";
import { Circle } from "../../src/sphgeom/index.ts";

test("bigints, Dates, Timespans, regions and lists of them come back as they went", () => {
  const circle = Circle.fromDegrees(10, 20, 0.5);
  const bind = {
    n: 3,
    s: "x",
    big: 2n ** 62n,
    when: new Date("2013-06-17T13:29:20Z"),
    span: new Timespan(1_000_000_000n, 2_000_000_000n),
    region: circle,
    list: [1n, "a", 2],
  };
  const back = bindFromJson(JSON.parse(JSON.stringify(bindToJson(bind))));
  assert.equal(back.n, 3);
  assert.equal(back.s, "x");
  assert.equal(back.big, 2n ** 62n);
  assert.equal((back.when as Date).getTime(), bind.when.getTime());
  assert.ok((back.span as Timespan).equals(bind.span));
  assert.ok(back.region instanceof Circle);
  assert.deepEqual((back.region as Circle).encode(), circle.encode());
  assert.deepEqual(back.list, [1n, "a", 2]);
});

test("a value of no bindable type is refused before it is sent; a malformed tag on arrival", () => {
  assert.throws(() => bindToJson({ m: new Map() }), { code: "INVALID_QUERY", message: /':m'.*\(Map\)/ });
  assert.throws(() => bindFromJson({ n: { $int: "1.5" } }), { code: "INVALID_QUERY" });
  assert.deepEqual(bindFromJson({ o: { a: 1, b: 2 } }), { o: { a: 1, b: 2 } });
});
