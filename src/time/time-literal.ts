import { InvalidTimeError } from "../errors/index.ts";
import { daysFromCivil } from "./calendar.ts";
import { analyzeTimeString, type TimeFormat } from "./literal-syntax.ts";
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
 * Converting a query's T'…' time literal to an instant. The syntax (format prefix, value, scale suffix,
 * the format guessed from the value's shape, the default scales) is literal-syntax.ts's, shared with the
 * expression parser, so a literal the parser accepts is one this converts or names as unsupported.
 */

/** Formats we convert. */
const CONVERTED_FORMATS: ReadonlySet<TimeFormat> = new Set([
  "mjd",
  "jd",
  "unix",
  "cxcsec",
  "gps",
  "iso",
  "isot",
  "fits",
  "yday",
]);

// Epochs of the "seconds since" formats, in TAI ns: their scale suffix changes nothing.
const CXCSEC_EPOCH_NS = BigInt(daysFromCivil(1998, 1, 1)) * NS_PER_DAY - TT_MINUS_TAI_NS;
const GPS_EPOCH_NS = BigInt(daysFromCivil(1980, 1, 6)) * NS_PER_DAY + 19n * NS_PER_SECOND;

/** Parses the text inside `T'…'` to TAI nanoseconds since 1970; bad text is an InvalidTimeError. */
export function parseTimeLiteral(text: string): bigint {
  const parsed = analyzeTimeString(text);
  if ("problem" in parsed) {
    throw new InvalidTimeError(
      `time literal '${text}': ${parsed.problem}; accepted: [format/]value[/scale] where value is a ` +
        "number (MJD), YYYY-MM-DD[ hh:mm[:ss[.f]]] (iso, T for isot), " +
        "+YYYYY-MM-DD[Thh:mm:ss[.f]] (fits) or YYYY:DDD[:hh:mm[:ss[.f]]] (yday)",
    );
  }
  const { format, scale, value } = parsed;
  if (!CONVERTED_FORMATS.has(format)) {
    throw new InvalidTimeError(
      `time literal '${text}': format '${format}' is not supported; supported: ${[...CONVERTED_FORMATS].join(", ")}`,
    );
  }
  if (!(TIME_SCALES as readonly string[]).includes(scale)) {
    throw new InvalidTimeError(
      `time literal '${text}': scale '${scale}' is not supported; supported: ${TIME_SCALES.join(", ")}`,
    );
  }
  const timeScale = scale as TimeScale;
  switch (format) {
    case "iso":
    case "isot":
    case "fits":
      return fromIso(value, timeScale);
    case "yday":
      return fromYday(value, timeScale);
    default:
      return fromNumber(Number(value), format, timeScale);
  }
}

function fromNumber(value: number, format: TimeFormat, scale: TimeScale): bigint {
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
    default:
      return GPS_EPOCH_NS + secondsToNs(value);
  }
}

function secondsToNs(seconds: number): bigint {
  const whole = Math.floor(seconds);
  return BigInt(whole) * NS_PER_SECOND + BigInt(Math.round((seconds - whole) * 1e9));
}

/** `[±Y]YYYY-MM-DD[( |T)hh:mm[:ss[.f]]]` (iso, isot, fits), already checked by the syntax. */
function fromIso(value: string, scale: TimeScale): bigint {
  const [, y, mo, d, clock] = /^([-+]?\d+)-(\d+)-(\d+)(?:[ T](.*))?$/.exec(value)!;
  return fromParts(Number(y), Number(mo), Number(d), clock, scale);
}

/** `YYYY:DDD[:hh:mm[:ss[.f]]]`, already checked by the syntax. */
function fromYday(value: string, scale: TimeScale): bigint {
  const [y, doy, h, mi, s] = value.split(":");
  const year = Number(y);
  // Day-of-year → month and day through the day count, which already knows leap years.
  const days = daysFromCivil(year, 1, 1) + Number(doy) - 1;
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
