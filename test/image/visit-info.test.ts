/**
 * VisitInfo keys and DateTime: TAI/UTC text with leap seconds (and the pre-1972 rubber seconds the
 * legacy HSC file's TIME-MID needs), the cards afw writes, and the checks afw makes on read.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ImageFormatError, InvalidTimeError } from "../../src/errors/index.ts";
import { Header } from "../../src/fits/header.ts";
import { VISIT_INFO_KEYS, VisitInfo } from "../../src/image/visit-info.ts";
import { DateTime } from "../../src/time/date-time.ts";
import { taiMinusUtc } from "../../src/time/leap-seconds.ts";
import { timeFromIso } from "../../src/time/time.ts";

describe("DateTime", () => {
  test("TAI text round trips to the nanosecond", () => {
    const t = DateTime.fromIso("2013-11-02T06:01:31.7885", "tai");
    assert.equal(t.toIso("tai"), "2013-11-02T06:01:31.788500000");
    assert.equal(
      DateTime.fromIso("2020-01-20T12:34:56.000000001Z", "tai").toIso(),
      "2020-01-20T12:34:56.000000001",
    );
    assert.equal(DateTime.fromIso("1970-01-01T00:00:00", "tai").nsecs, 0n);
    assert.equal(DateTime.fromIso("1969-12-31T23:59:59.5", "tai").toIso(), "1969-12-31T23:59:59.500000000");
  });

  test("UTC ↔ TAI uses the leap-second table", () => {
    assert.equal(taiMinusUtc(57754), 37, "since 2017-01-01");
    assert.equal(taiMinusUtc(57753.99), 36);
    assert.equal(
      DateTime.fromIso("2017-01-01T00:00:00Z", "utc").toIso("tai"),
      "2017-01-01T00:00:37.000000000",
    );
    assert.equal(
      DateTime.fromIso("2013-11-02T06:00:56.7885", "utc").toIso("tai"),
      "2013-11-02T06:01:31.788500000",
    );
    assert.equal(
      DateTime.fromIso("2013-11-02T06:01:31.7885", "tai").toIso("utc"),
      "2013-11-02T06:00:56.788500000",
    );
  });

  test("before 1972 the offset drifts (the legacy TIME-MID of afw's HSC fixture is TAI epoch 0)", () => {
    assert.ok(Math.abs(taiMinusUtc(40587) - 8.000082) < 1e-9);
    const t = DateTime.fromIso("1969-12-31T23:59:51.999918240Z", "utc");
    assert.equal(t.nsecs, 0n);
    assert.equal(t.toIso("utc"), "1969-12-31T23:59:51.999918240");
    assert.equal(t.toMjdTai(), 40587);
  });

  test("1960 has its TAI−UTC offset, as in the table every other time uses (ERFA's)", () => {
    // 1960-06-01 is MJD 37086: 1.417818 s + (37086 − 37300) × 0.001296 s = 1.140474 s.
    assert.equal(
      DateTime.fromIso("1960-06-01T00:00:00", "utc").toIso("tai"),
      "1960-06-01T00:00:01.140474000",
    );
    assert.equal(DateTime.fromIso("1960-06-01T00:00:00", "utc").nsecs, timeFromIso("1960-06-01", "utc"));
  });

  test("malformed text is an InvalidTimeError", () => {
    assert.throws(() => DateTime.fromIso("2013-13-02T00:00:00", "tai"), InvalidTimeError);
    assert.throws(() => DateTime.fromIso("yesterday", "utc"), InvalidTimeError);
  });
});

describe("VisitInfo", () => {
  test("cards written read back equal; unknown values are left out", () => {
    const info = new VisitInfo({
      exposureTime: 30,
      darkTime: 31.5,
      date: DateTime.fromIso("2024-03-21T05:06:07.123456789", "tai"),
      boresightRaDec: { ra: 10.5, dec: -20.25 },
      rotType: "SKY",
      instrumentLabel: "LSSTCam",
      id: 2024032100720,
      observationReason: "science",
      hasSimulatedContent: true,
    });
    const header = new Header(info.toCards());
    const back = VisitInfo.fromHeader(header);
    assert.ok(back.equals(info));
    assert.equal(header.getString("DATE-AVG"), "2024-03-21T05:06:07.123456789");
    assert.equal(header.getString("TIMESYS"), "TAI");
    assert.equal(header.getString("ROTTYPE"), "SKY");
    assert.equal(header.getInteger("IDNUM"), 2024032100720);
    assert.ok(
      !header.has("BORE-AZ") && !header.has("OBJECT") && !header.has("FOCUSZ"),
      "NaN and '' are not written",
    );
    for (const card of header)
      assert.ok(VISIT_INFO_KEYS.includes(card.key), `${card.key} is a VisitInfo key`);
  });

  test("a default VisitInfo still writes ROTTYPE and HAS-SIMULATED-CONTENT, as afw does", () => {
    const keys = new VisitInfo().toCards().map((c) => c.key);
    assert.deepEqual(keys, ["ROTTYPE", "HAS-SIMULATED-CONTENT"]);
  });

  test("afw's read checks: TIMESYS must be TAI with DATE-AVG; ROTTYPE must be known; string numbers are read", () => {
    const utc = new Header();
    utc.set("DATE-AVG", "2020-01-01T00:00:00.000000000").set("TIMESYS", "UTC");
    assert.throws(
      () => VisitInfo.fromHeader(utc),
      (e: unknown) => e instanceof ImageFormatError && /only TAI/.test(e.message),
    );
    const rot = new Header();
    rot.set("ROTTYPE", "SIDEWAYS");
    assert.throws(() => VisitInfo.fromHeader(rot), /ROTTYPE 'SIDEWAYS'/);
    const old = new Header();
    old.set("EXPTIME", "15.5");
    assert.equal(VisitInfo.fromHeader(old).exposureTime, 15.5);
    const bad = new Header();
    bad.set("TIME-MID", "not a date");
    assert.throws(() => VisitInfo.fromHeader(bad), ImageFormatError);
  });
});
