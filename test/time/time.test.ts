import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Timespan } from "../../src/core/index.ts";
import { InvalidTimeError } from "../../src/errors/index.ts";
import {
  formatButlerTime,
  formatIsoTime,
  MAX_TIME_NS,
  parseButlerTime,
  parseTimeLiteral,
  timeFromCalendar,
  timeFromDate,
  timeFromIso,
  timeFromMjd,
  timeFromUnix,
  timeToCalendar,
  timeToDate,
  timeToMjd,
  timeToUnix,
} from "../../src/time/index.ts";

// Expected values were computed with astropy 5.2 the way daf_butler converts times to nanoseconds:
// (t.tai - Time("1970-01-01 00:00:00", scale="tai")) in integer ns.
const ASTROPY = {
  utcEpoch: 8_000_082_000n, // 1970-01-01 00:00:00 UTC, in the pre-1972 rubber-second era
  utc1970June: 14_299_208_429_058_000n, // 1970-06-15 12:00:00 UTC
  utc1971End: 63_072_008_892_241_970n, // 1971-12-31 23:59:59 UTC
  utc1972: 63_072_010_000_000_000n, // 1972-01-01 00:00:00 UTC (TAI−UTC = 10 s)
  tai2021: 1_631_156_400_000_000_000n, // 2021-09-09 03:00:00 TAI
  utc2021: 1_631_156_437_000_000_000n, // 2021-09-09 03:00:00 UTC (TAI−UTC = 37 s)
  utcBeforeLeap: 1_483_228_835_000_000_000n, // 2016-12-31 23:59:59 UTC
  utcInLeap: 1_483_228_836_500_000_000n, // 2016-12-31 23:59:60.5 UTC
  utc2017: 1_483_228_837_000_000_000n, // 2017-01-01 00:00:00 UTC
  mjdTai: 1_590_926_400_000_000_000n, // MJD 59000.5 TAI
  mjdUtc: 1_590_926_437_000_000_000n, // MJD 59000.5 UTC
  mjdTt: 1_590_926_367_816_000_000n, // MJD 59000.5 TT
  mjdUtcLeapDay: 1_483_207_236_750_000_000n, // MJD 57753.75 UTC: a day of 86401 s
  unix: 1_700_000_037_500_000_000n, // unix 1700000000.5
  tt2000: 946_727_967_816_000_000n, // 2000-01-01 12:00:00 TT
  max: 4_102_444_800_000_000_000n, // 2100-01-01 00:00:00 TAI
};

describe("time conversions", () => {
  test("ISO strings in TAI, UTC and TT", () => {
    assert.equal(timeFromIso("1970-01-01 00:00:00", "tai"), 0n);
    assert.equal(timeFromIso("2021-09-09 03:00:00", "tai"), ASTROPY.tai2021);
    assert.equal(timeFromIso("2021-09-09T03:00:00", "utc"), ASTROPY.utc2021);
    assert.equal(timeFromIso("2000-01-01 12:00:00", "tt"), ASTROPY.tt2000);
    assert.equal(timeFromIso("2021-09-09", "tai"), ASTROPY.tai2021 - 3n * 3_600_000_000_000n);
    assert.equal(timeFromIso("2021-09-09 03:00", "tai"), ASTROPY.tai2021);
    assert.equal(timeFromIso("2021-09-09 03:00:00.123456789", "tai"), ASTROPY.tai2021 + 123_456_789n);
    assert.equal(timeFromIso("2021-09-09 03:00:00.1234567895", "tai"), ASTROPY.tai2021 + 123_456_790n);
    assert.equal(timeFromIso("2021-09-09 02:59:59.9999999999", "tai"), ASTROPY.tai2021);
  });

  test("UTC follows the leap-second table, including the leap second itself", () => {
    assert.equal(timeFromIso("1972-01-01 00:00:00", "utc"), ASTROPY.utc1972);
    assert.equal(timeFromIso("2016-12-31 23:59:59", "utc"), ASTROPY.utcBeforeLeap);
    assert.equal(timeFromIso("2016-12-31 23:59:60.5", "utc"), ASTROPY.utcInLeap);
    assert.equal(timeFromIso("2017-01-01 00:00:00", "utc"), ASTROPY.utc2017);
    assert.equal(formatIsoTime(ASTROPY.utcInLeap, { scale: "utc" }), "2016-12-31 23:59:60.500000000");
    assert.equal(formatIsoTime(ASTROPY.utc2017, { scale: "utc" }), "2017-01-01 00:00:00.000000000");
    assert.throws(() => timeFromIso("2016-12-30 23:59:60", "utc"), /second must be 0–59/);
    assert.throws(() => timeFromIso("2016-12-31 23:59:60", "tai"), InvalidTimeError);
  });

  test("UTC before 1972 uses the drifting offsets astropy uses", () => {
    assert.equal(timeFromIso("1970-01-01 00:00:00", "utc"), ASTROPY.utcEpoch);
    assert.equal(timeFromIso("1970-06-15 12:00:00", "utc"), ASTROPY.utc1970June);
    assert.equal(timeFromIso("1971-12-31 23:59:59", "utc"), ASTROPY.utc1971End);
    assert.equal(formatIsoTime(ASTROPY.utc1970June, { scale: "utc" }), "1970-06-15 12:00:00.000000000");
    assert.equal(formatIsoTime(ASTROPY.utcEpoch, { scale: "utc", digits: 6 }), "1970-01-01 00:00:00.000000");
  });

  test("MJD in TAI, UTC and TT, both ways", () => {
    assert.equal(timeFromMjd(59000.5), ASTROPY.mjdTai);
    assert.equal(timeFromMjd(59000.5, "utc"), ASTROPY.mjdUtc);
    assert.equal(timeFromMjd(59000.5, "tt"), ASTROPY.mjdTt);
    assert.equal(timeFromMjd(57753.75, "utc"), ASTROPY.mjdUtcLeapDay);
    assert.equal(timeToMjd(ASTROPY.mjdTai), 59000.5);
    assert.equal(timeToMjd(ASTROPY.mjdUtc, "utc"), 59000.5);
    assert.equal(timeToMjd(ASTROPY.mjdTt, "tt"), 59000.5);
    assert.equal(timeToMjd(ASTROPY.utc2021, "utc"), 59466.125);
    assert.equal(timeToMjd(0n), 40587);
    assert.throws(() => timeFromMjd(Number.NaN), InvalidTimeError);
  });

  test("unix seconds and Dates are UTC without leap seconds", () => {
    assert.equal(timeFromUnix(1_700_000_000.5), ASTROPY.unix);
    assert.equal(timeToUnix(ASTROPY.unix), 1_700_000_000.5);
    const date = new Date("2021-09-09T03:00:00.250Z");
    assert.equal(timeFromDate(date), ASTROPY.utc2021 + 250_000_000n);
    assert.equal(timeToDate(ASTROPY.utc2021 + 250_000_000n).toISOString(), "2021-09-09T03:00:00.250Z");
  });

  test("calendar round trips in every scale", () => {
    for (const scale of ["tai", "utc", "tt"] as const) {
      for (const ns of [
        0n,
        ASTROPY.tai2021 + 987_654_321n,
        ASTROPY.utcInLeap,
        MAX_TIME_NS - 1n,
        -86_400_000_000_001n,
      ]) {
        assert.equal(timeFromCalendar(timeToCalendar(ns, scale), scale), ns, `${scale} ${ns}`);
      }
    }
    assert.deepEqual(timeToCalendar(ASTROPY.tai2021 + 5n), {
      year: 2021,
      month: 9,
      day: 9,
      hour: 3,
      minute: 0,
      second: 0,
      nanosecond: 5,
    });
    assert.throws(
      () => timeFromCalendar({ year: 2021, month: 2, day: 29, hour: 0, minute: 0, second: 0, nanosecond: 0 }),
      /day must be 1–28/,
    );
  });

  test("the export form is TAI with nine fraction digits", () => {
    assert.equal(formatButlerTime(ASTROPY.tai2021), "2021-09-09 03:00:00.000000000");
    assert.equal(formatButlerTime(ASTROPY.max), "2100-01-01 00:00:00.000000000");
    assert.equal(MAX_TIME_NS, ASTROPY.max);
    assert.equal(
      parseButlerTime("2025-12-03 07:59:07.425363958"),
      timeFromIso("2025-12-03T07:59:07.425363958", "tai"),
    );
    assert.equal(
      formatButlerTime(parseButlerTime("2025-12-03 07:59:07.425363958")),
      "2025-12-03 07:59:07.425363958",
    );
    assert.equal(
      formatIsoTime(ASTROPY.tai2021 + 999_999_999n, { separator: "T", digits: 3 }),
      "2021-09-09T03:00:01.000",
    );
    assert.throws(() => parseButlerTime("2021-09-09 3pm"), /accepted: YYYY-MM-DD/);
  });
});

describe("parseTimeLiteral (the inside of T'…')", () => {
  test("guesses the format from the value's shape, with daf_butler's default scales", () => {
    assert.equal(parseTimeLiteral("59000.5"), ASTROPY.mjdTai); // mjd, TAI
    assert.equal(parseTimeLiteral("2021-09-09 03:00:00"), ASTROPY.utc2021); // iso, UTC
    assert.equal(parseTimeLiteral("2021-09-09T03:00:00"), ASTROPY.utc2021); // isot, UTC
    assert.equal(parseTimeLiteral("2021-09-09T03:00"), ASTROPY.utc2021);
    assert.equal(parseTimeLiteral("+02021-09-09T03:00:00"), ASTROPY.utc2021); // fits, UTC
    assert.equal(parseTimeLiteral("2021:252:03:00:00"), ASTROPY.utc2021); // yday, UTC
    assert.equal(parseTimeLiteral("2021:252:03:00"), ASTROPY.utc2021);
    assert.equal(parseTimeLiteral("2021:252"), ASTROPY.utc2021 - 3n * 3_600_000_000_000n);
    assert.equal(parseTimeLiteral("2020:366"), timeFromIso("2020-12-31", "utc"));
  });

  test("takes an explicit format prefix and scale suffix", () => {
    assert.equal(parseTimeLiteral("2021-09-09 03:00:00/tai"), ASTROPY.tai2021);
    assert.equal(parseTimeLiteral("iso/2021-09-09 03:00:00/TAI"), ASTROPY.tai2021);
    assert.equal(parseTimeLiteral("mjd/59000.5/utc"), ASTROPY.mjdUtc);
    assert.equal(parseTimeLiteral("59000.5/tt"), ASTROPY.mjdTt);
    assert.equal(parseTimeLiteral("unix/1700000000.5"), ASTROPY.unix);
    assert.equal(parseTimeLiteral("jd/2459000.25"), 1_590_861_600_000_000_000n);
    assert.equal(parseTimeLiteral("cxcsec/0.0"), 883_612_767_816_000_000n);
    assert.equal(parseTimeLiteral("gps/1000000000.0"), 1_315_964_819_000_000_000n);
    assert.equal(parseTimeLiteral("fits/2021-09-09T03:00:00"), ASTROPY.utc2021);
    assert.equal(parseTimeLiteral("2021-09-09 03:00:00+00:00"), ASTROPY.utc2021);
  });

  test("a whole number is an MJD, as the expression parser reads it", () => {
    assert.equal(parseTimeLiteral("59000"), parseTimeLiteral("59000.0"));
    assert.equal(parseTimeLiteral("mjd/59000/tai"), parseTimeLiteral("59000.0"));
  });

  // The messages are the expression parser's (one syntax for both), plus "not supported" for what
  // the syntax knows but we do not convert.
  const bad: [string, RegExp][] = [
    ["2021-09-09 03", /does not match any known time format; accepted: \[format\/\]value/], // hour-only time
    ["2021-09-09 03:00:00+01:00", /time zone '\+01:00' is not supported/], // other timezones
    ["5.9e4", /does not match any known time format/],
    ["bogus/59000.5", /unknown time format 'bogus' \(known: jd, mjd/],
    ["decimalyear/2021.5", /format 'decimalyear' is not supported; supported: mjd/],
    ["59000.5/tdb", /scale 'tdb' is not supported; supported: tai, utc, tt/],
    ["59000.5/xyz", /unknown time scale 'xyz'/],
    ["iso/2021-09-09T03:00:00", /'2021-09-09T03:00:00' is not a valid iso time/],
    ["isot/2021-09-09 03:00:00", /is not a valid isot time/],
    ["yday/2021-09-09", /is not a valid yday time/],
    ["iso/59000.5", /'59000.5' is not a valid iso time/],
    ["2021-13-01", /month 13 is out of range/],
    ["2021:367", /day of year 367 is out of range/],
    ["21-09-09", /does not match any known time format/],
  ];
  for (const [text, message] of bad) {
    test(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseTimeLiteral(text),
        (err: unknown) =>
          err instanceof InvalidTimeError && err.code === "INVALID_TIME" && message.test(err.message),
      );
    });
  }
});

const t = (iso: string): bigint => timeFromIso(iso, "tai");
const a = t("2021-09-09 03:00:00");
const b = t("2021-09-09 03:01:00");
const c = t("2021-09-09 03:02:00");
const d = t("2021-09-09 03:03:00");

describe("Timespan", () => {
  test("is half-open with null for unbounded sides", () => {
    const span = new Timespan(a, b);
    assert.equal(span.begin, a);
    assert.equal(span.end, b);
    assert.ok(span.contains(a));
    assert.ok(!span.contains(b));
    assert.ok(span.overlaps(a) && !span.overlaps(b));
    const open = new Timespan(null, b);
    assert.equal(open.begin, null);
    assert.ok(open.contains(0n) && open.contains(-5n));
    assert.equal(new Timespan(a, null).end, null);
    assert.ok(Timespan.UNBOUNDED.contains(span));
    assert.equal(Timespan.UNBOUNDED.toString(), "(-∞, ∞)");
    assert.equal(span.toString(), "[2021-09-09T03:00:00, 2021-09-09T03:01:00)");
  });

  test("begin == end is padded by 1 ns unless told not to", () => {
    const instant = new Timespan(a, a);
    assert.equal(instant.end, a + 1n);
    assert.ok(instant.equals(Timespan.fromInstant(a)));
    assert.ok(new Timespan(a, a, { padInstantaneous: false }).isEmpty());
  });

  test("begin > end is the one empty timespan", () => {
    const empty = new Timespan(b, a);
    assert.ok(empty.isEmpty());
    assert.ok(empty.equals(Timespan.EMPTY));
    assert.equal(empty.toString(), "(empty)");
    // Empty overlaps nothing, itself included, and everything contains it.
    assert.ok(!empty.overlaps(empty));
    assert.ok(!empty.overlaps(Timespan.UNBOUNDED));
    assert.ok(!Timespan.UNBOUNDED.overlaps(empty));
    assert.ok(new Timespan(a, b).contains(empty));
    assert.ok(empty.contains(empty));
    assert.ok(!empty.contains(a));
  });

  test("overlaps, contains and ordering", () => {
    const ab = new Timespan(a, b);
    const ac = new Timespan(a, c);
    const bd = new Timespan(b, d);
    assert.ok(ac.overlaps(bd) && bd.overlaps(ac));
    assert.ok(!ab.overlaps(bd), "touching half-open spans do not overlap");
    assert.ok(ac.contains(ab) && !ab.contains(ac));
    assert.ok(ab.isBefore(bd) && bd.isAfter(ab));
    assert.ok(!ac.isBefore(bd));
    assert.ok(ab.isBefore(b) && !ab.isBefore(a));
    assert.ok(!Timespan.EMPTY.isBefore(bd) && !ab.isBefore(Timespan.EMPTY));
  });

  test("intersection and difference", () => {
    const ac = new Timespan(a, c);
    const bd = new Timespan(b, d);
    assert.ok(ac.intersection(bd).equals(new Timespan(b, c)));
    assert.ok(ac.intersection(bd, new Timespan(null, b)).isEmpty());
    assert.ok(ac.intersection().equals(ac));
    assert.ok(Timespan.UNBOUNDED.intersection(ac).equals(ac));
    assert.deepEqual(
      new Timespan(a, d).difference(new Timespan(b, c)).map(String),
      [new Timespan(a, b), new Timespan(c, d)].map(String),
    );
    assert.deepEqual(ac.difference(bd).map(String), [String(new Timespan(a, b))]);
    assert.deepEqual(ac.difference(Timespan.UNBOUNDED), []);
    assert.deepEqual(new Timespan(c, d).difference(new Timespan(a, b)).map(String), [
      String(new Timespan(c, d)),
    ]);
  });

  test("database form: two integers with fixed sentinels for unbounded sides", () => {
    assert.deepEqual(new Timespan(a, b).toDatabase(), { begin: a, end: b });
    assert.deepEqual(Timespan.UNBOUNDED.toDatabase(), { begin: 0n, end: 4_102_444_800_000_000_000n });
    assert.deepEqual(Timespan.EMPTY.toDatabase(), { begin: MAX_TIME_NS, end: 0n });
    for (const span of [
      new Timespan(a, b),
      new Timespan(null, b),
      new Timespan(a, null),
      Timespan.UNBOUNDED,
      Timespan.EMPTY,
    ]) {
      const { begin, end } = span.toDatabase();
      assert.ok(Timespan.fromDatabase(begin, end).equals(span));
      assert.ok(Timespan.fromDatabase(String(begin), String(end)).equals(span));
    }
    assert.ok(Timespan.fromDatabase(0, 5).equals(new Timespan(null, 5n)));
    assert.throws(() => Timespan.fromDatabase(1.6e18, 1.7e18), /not an exact integer/);
  });

  test("bounds beyond 1970 and 2100 TAI are clamped, as daf_butler does", () => {
    assert.equal(new Timespan(-10n, b).begin, null);
    assert.equal(new Timespan(a, MAX_TIME_NS + 10n).end, null);
    assert.throws(() => new Timespan(null, -5n), InvalidTimeError);
    assert.throws(() => new Timespan(MAX_TIME_NS, null), /single instant at a representable limit/);
    assert.throws(() => new Timespan(1 as unknown as bigint, null), /must be bigint/);
  });

  test("fromDayObs spans 24 hours from TAI midnight plus the offset", () => {
    const day = Timespan.fromDayObs(20240229, 12 * 3600);
    assert.equal(day.toString(), "[2024-02-29T12:00:00, 2024-03-01T12:00:00)");
    assert.equal(Timespan.fromDayObs(20210909).begin, t("2021-09-09 00:00:00"));
    for (const bad of [19691231, 20230229, 20241301, 2024022, 20240229.5]) {
      assert.throws(() => Timespan.fromDayObs(bad), /day_obs must be a YYYYMMDD date/, String(bad));
    }
  });

  test("JSON and export form: TAI strings, null when unbounded, or EMPTY", () => {
    assert.deepEqual(new Timespan(a, null).toJSON(), { begin: "2021-09-09 03:00:00.000000000", end: null });
    assert.equal(Timespan.EMPTY.toJSON(), "EMPTY");
    for (const span of [new Timespan(a, b + 7n), new Timespan(null, b), Timespan.EMPTY]) {
      assert.ok(Timespan.fromJSON(JSON.parse(JSON.stringify(span))).equals(span));
    }
  });
});
