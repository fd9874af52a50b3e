import { InvalidTimeError } from "../errors/index.ts";
import { daysFromCivil, isLeapYear } from "./calendar.ts";
import {
  fractionToNs,
  NS_PER_DAY,
  NS_PER_SECOND,
  TIME_SCALES,
  type TimeScale,
  TT_MINUS_TAI_NS,
  timeFromCalendar,
  timeFromDayFraction,
  timeFromUnix,
} from "./time.ts";

/*
 * The inside of a query's T'…' time literal, as daf_butler reads it: an optional `format/` prefix,
 * a value, an optional `/scale` suffix. Without a format, the value's shape picks one: a decimal
 * number is an MJD, `YYYY-MM-DD[ hh:mm[:ss[.f]]]` is iso (isot with T), `+YYYYY-MM-DD[Thh:mm:ss[.f]]`
 * is fits and `YYYY:DDD[:hh:mm[:ss[.f]]]` is yday. Without a scale, iso, isot, fits, yday and unix
 * are UTC, cxcsec is TT and everything else is TAI.
 */

const SHAPE = new RegExp(
  "^(?:(\\w+)/)?(?:" +
    "(-?(?:\\d+\\.\\d*|\\.\\d+))" + // number: a decimal point is required
    "|(\\d+-\\d+-\\d+(?:[ T]\\d+:\\d+(?::\\d+(?:\\.\\d*)?)?)?)" + // iso, isot
    "|(\\+\\d+-\\d+-\\d+(?:T\\d+:\\d+:\\d+(?:\\.\\d*)?)?)" + // fits
    "|(\\d+:\\d+(?::\\d+:\\d+(?::\\d+(?:\\.\\d*)?)?)?)" + // yday
    ")(?:/(\\w+))?$",
  "i",
);

/** Formats we convert, and the default scale of each. */
const FORMATS: Readonly<Record<string, TimeScale>> = {
  mjd: "tai",
  jd: "tai",
  unix: "utc",
  cxcsec: "tt",
  gps: "tai",
  iso: "utc",
  isot: "utc",
  fits: "utc",
  yday: "utc",
};

// Names astropy knows but we do not convert: named apart so the message can say "not supported".
const OTHER_ASTROPY_FORMATS = [
  "decimalyear",
  "unix_tai",
  "plot_date",
  "stardate",
  "datetime",
  "ymdhms",
  "datetime64",
  "byear",
  "jyear",
  "byear_str",
  "jyear_str",
];
const OTHER_ASTROPY_SCALES = ["tcb", "tcg", "tdb", "ut1", "local"];

// Epochs of the "seconds since" formats, in TAI ns: their scale suffix changes nothing.
const CXCSEC_EPOCH_NS = BigInt(daysFromCivil(1998, 1, 1)) * NS_PER_DAY - TT_MINUS_TAI_NS;
const GPS_EPOCH_NS = BigInt(daysFromCivil(1980, 1, 6)) * NS_PER_DAY + 19n * NS_PER_SECOND;

/** Parses the text inside `T'…'` to TAI nanoseconds since 1970; bad text is an InvalidTimeError. */
export function parseTimeLiteral(text: string): bigint {
  // A stringified timezone-aware UTC datetime ends in +00:00; no other timezone is accepted.
  const stripped = text.replaceAll("+00:00", "");
  const match = SHAPE.exec(stripped);
  if (match === null) {
    throw new InvalidTimeError(
      `time literal '${text}' matches no known form; accepted: [format/]value[/scale] where value is a ` +
        "decimal number (MJD), YYYY-MM-DD[ hh:mm[:ss[.f]]] (iso, T for isot), " +
        "+YYYYY-MM-DD[Thh:mm:ss[.f]] (fits) or YYYY:DDD[:hh:mm[:ss[.f]]] (yday)",
    );
  }
  const [, formatText, number, iso, fits, yday, scaleText] = match;
  const format =
    formatText?.toLowerCase() ??
    (number ? "mjd" : iso ? (/t/i.test(iso) ? "isot" : "iso") : fits ? "fits" : "yday");
  if (!(format in FORMATS)) {
    const why = OTHER_ASTROPY_FORMATS.includes(format) ? "is not supported" : "is unknown";
    throw new InvalidTimeError(
      `time literal '${text}': format '${format}' ${why}; supported: ${Object.keys(FORMATS).join(", ")}`,
    );
  }
  const scale = (scaleText?.toLowerCase() ?? FORMATS[format]) as TimeScale;
  if (!TIME_SCALES.includes(scale)) {
    const why = OTHER_ASTROPY_SCALES.includes(scale) ? "is not supported" : "is unknown";
    throw new InvalidTimeError(
      `time literal '${text}': scale '${scale}' ${why}; supported: ${TIME_SCALES.join(", ")}`,
    );
  }
  const mismatch = () => new InvalidTimeError(`time literal '${text}' does not match format '${format}'`);
  try {
    if (number !== undefined) return fromNumber(Number(number), format, scale, mismatch);
    if (iso !== undefined) return fromIsoShape(iso, format, scale, mismatch);
    if (fits !== undefined) return fromFitsShape(fits, format, scale, mismatch);
    return fromYdayShape(yday!, format, scale, mismatch);
  } catch (err) {
    if (err instanceof InvalidTimeError && !err.message.startsWith("time literal")) {
      throw new InvalidTimeError(`time literal '${text}': ${err.message}`);
    }
    throw err;
  }
}

function fromNumber(value: number, format: string, scale: TimeScale, mismatch: () => Error): bigint {
  switch (format) {
    case "mjd": {
      const day = Math.floor(value);
      return timeFromDayFraction(day, value - day, scale);
    }
    case "jd": {
      // JD days start at noon; split before subtracting so the fraction keeps its precision.
      const whole = Math.floor(value);
      let fraction = value - whole + 0.5;
      let day = whole - 2400001;
      if (fraction >= 1) {
        fraction -= 1;
        day += 1;
      }
      return timeFromDayFraction(day, fraction, scale);
    }
    case "unix":
      return timeFromUnix(value);
    case "cxcsec":
      return CXCSEC_EPOCH_NS + secondsToNs(value);
    case "gps":
      return GPS_EPOCH_NS + secondsToNs(value);
    default:
      throw mismatch();
  }
}

function secondsToNs(seconds: number): bigint {
  const whole = Math.floor(seconds);
  return BigInt(whole) * NS_PER_SECOND + BigInt(Math.round((seconds - whole) * 1e9));
}

function fromIsoShape(value: string, format: string, scale: TimeScale, mismatch: () => Error): bigint {
  const separator = /[ T]/i.exec(value)?.[0];
  const ok =
    separator === undefined
      ? ["iso", "isot", "fits"].includes(format)
      : separator === " "
        ? format === "iso"
        : format === "isot" || format === "fits";
  if (!ok) throw mismatch();
  const [date, clock] = value.split(/[ T]/i);
  const [y, mo, d] = date!.split("-");
  if (y!.length !== 4) throw mismatch();
  return fromParts(Number(y), Number(mo), Number(d), clock, scale);
}

function fromFitsShape(value: string, format: string, scale: TimeScale, mismatch: () => Error): bigint {
  if (format !== "fits") throw mismatch();
  const [date, clock] = value.slice(1).split(/T/i);
  const [y, mo, d] = date!.split("-");
  if (y!.length < 4 || y!.length > 5) throw mismatch();
  return fromParts(Number(y), Number(mo), Number(d), clock, scale);
}

function fromYdayShape(value: string, format: string, scale: TimeScale, mismatch: () => Error): bigint {
  if (format !== "yday") throw mismatch();
  const [y, doy, h, mi, s] = value.split(":");
  if (y!.length !== 4) throw mismatch();
  const year = Number(y);
  const dayOfYear = Number(doy);
  const length = isLeapYear(year) ? 366 : 365;
  if (dayOfYear < 1 || dayOfYear > length) {
    throw new InvalidTimeError(`day of year must be 1–${length} in ${year}, got ${dayOfYear}`);
  }
  // Day-of-year → month and day through the day count, which already knows leap years.
  const days = daysFromCivil(year, 1, 1) + dayOfYear - 1;
  const month = monthOf(year, days);
  const day = days - daysFromCivil(year, month, 1) + 1;
  const clock = h === undefined ? undefined : s === undefined ? `${h}:${mi}` : `${h}:${mi}:${s}`;
  return fromParts(year, month, day, clock, scale);
}

function monthOf(year: number, days: number): number {
  let month = 12;
  while (daysFromCivil(year, month, 1) > days) month--;
  return month;
}

/** Date parts plus an optional `hh:mm[:ss[.f]]` clock string, in a scale. */
function fromParts(
  year: number,
  month: number,
  day: number,
  clock: string | undefined,
  scale: TimeScale,
): bigint {
  const [h = "0", mi = "0", s = "0"] = clock?.split(":") ?? [];
  const [whole, fraction = ""] = s.split(".");
  const { nanosecond, carry } = fractionToNs(fraction);
  const time = { year, month, day, hour: Number(h), minute: Number(mi), second: Number(whole), nanosecond };
  return timeFromCalendar(time, scale) + (carry ? NS_PER_SECOND : 0n);
}
