/**
 * The strings allowed inside a time literal `T'…'`: an optional `format/` prefix, a value, and an
 * optional `/scale` suffix, e.g. `T'2020-01-01'`, `T'2020-01-01T12:30:00.5/tai'`, `T'mjd/58000.5'`,
 * `T'59000'` (a bare number is an MJD), `T'+12020-01-01'` (fits), `T'2020:123:10:00'` (yday).
 * This module checks the syntax and resolves format and scale, for the expression parser;
 * `parseTimeLiteral` (time-literal.ts) converts a literal to an instant.
 */
import { InvalidArgumentError } from "../errors/index.ts";
import { daysInMonth, isLeapYear } from "./calendar.ts";

/** Time scales a literal may name (astropy's; converting supports only those of `TimeScale` in time.ts). */
const LITERAL_TIME_SCALES = ["tai", "tcb", "tcg", "tdb", "tt", "ut1", "utc", "local"] as const;
export type LiteralTimeScale = (typeof LITERAL_TIME_SCALES)[number];

/** Formats whose value is a plain decimal number. */
const NUMERIC_TIME_FORMATS = [
  "jd",
  "mjd",
  "decimalyear",
  "unix",
  "unix_tai",
  "cxcsec",
  "gps",
  "plot_date",
  "stardate",
  "byear",
  "jyear",
] as const;

/** Formats whose value is a date string. */
const STRING_TIME_FORMATS = ["iso", "isot", "fits", "yday", "byear_str", "jyear_str"] as const;

export type TimeFormat = (typeof NUMERIC_TIME_FORMATS)[number] | (typeof STRING_TIME_FORMATS)[number];

/** A time literal taken apart. */
export interface ParsedTime {
  /** The format, given or inferred. */
  readonly format: TimeFormat;
  /** The scale, given or the format's default (utc for iso/isot/fits/yday/unix, tt for cxcsec, else tai). */
  readonly scale: LiteralTimeScale;
  /** The value with prefix, suffix and any `+00:00` offset removed. */
  readonly value: string;
}

const FLOAT = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$/;
// Dates, then optional time of day: hours and minutes, optional seconds with an optional fraction.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:([ T])(\d{2}):(\d{2})(?::(\d{2}(?:\.\d*)?))?)?$/;
const FITS = /^(\d{4}|[-+]\d{5})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2}(?:\.\d*)?))?$/;
const YDAY = /^(\d{4}):(\d{3})(?::(\d{2}):(\d{2})(?::(\d{2}(?:\.\d*)?))?)?$/;
const BESSEL_JULIAN = /^([BJ])\d+(?:\.\d*)?$/;
const TIME_ZONE = /(?:\d)([-+]\d{2}:?\d{2}|Z)$/;

const FORMATS: ReadonlySet<string> = new Set([...NUMERIC_TIME_FORMATS, ...STRING_TIME_FORMATS]);
const NUMERIC_FORMATS: ReadonlySet<string> = new Set(NUMERIC_TIME_FORMATS);
const SCALES: ReadonlySet<string> = new Set(LITERAL_TIME_SCALES);

/** Returns a problem with the time of day, or undefined when it is valid. */
function checkTimeOfDay(hour?: string, minute?: string, second?: string): string | undefined {
  if (hour !== undefined && Number(hour) > 23) return `hour ${hour} is out of range`;
  if (minute !== undefined && Number(minute) > 59) return `minute ${minute} is out of range`;
  if (second !== undefined && Number(second) >= 61) return `second ${second} is out of range`;
  return undefined;
}

function checkDate(year: string, month: string, day: string): string | undefined {
  const y = Number(year);
  const m = Number(month);
  if (m < 1 || m > 12) return `month ${month} is out of range`;
  const d = Number(day);
  if (d < 1 || d > daysInMonth(y, m)) return `day ${day} is out of range for ${year}-${month}`;
  return undefined;
}

/** Returns the problem with `value` for `format`, or undefined when it fits. */
function checkValue(format: TimeFormat, value: string): string | undefined {
  if (NUMERIC_FORMATS.has(format)) return FLOAT.test(value) ? undefined : `'${value}' is not a number`;
  let m: RegExpExecArray | null;
  switch (format) {
    case "iso":
    case "isot":
      m = ISO.exec(value);
      if (m === null || (format === "isot" && m[4] === " ") || (format === "iso" && m[4] === "T")) break;
      return checkDate(m[1]!, m[2]!, m[3]!) ?? checkTimeOfDay(m[5], m[6], m[7]);
    case "fits":
      m = FITS.exec(value);
      if (m === null) break;
      return checkDate(m[1]!, m[2]!, m[3]!) ?? checkTimeOfDay(m[4], m[5], m[6]);
    case "yday": {
      m = YDAY.exec(value);
      if (m === null) break;
      const day = Number(m[2]);
      if (day < 1 || day > (isLeapYear(Number(m[1])) ? 366 : 365))
        return `day of year ${m[2]} is out of range`;
      return checkTimeOfDay(m[3], m[4], m[5]);
    }
    case "byear_str":
    case "jyear_str":
      m = BESSEL_JULIAN.exec(value);
      if (m !== null && m[1] === (format === "byear_str" ? "B" : "J")) return undefined;
      break;
  }
  return `'${value}' is not a valid ${format} time`;
}

/** The format of a value written without a `format/` prefix, or undefined when none fits. */
function inferFormat(value: string): TimeFormat | undefined {
  if (FLOAT.test(value)) return "mjd";
  const iso = ISO.exec(value);
  if (iso !== null) return iso[4] === "T" ? "isot" : "iso";
  if (FITS.test(value)) return "fits";
  if (YDAY.test(value)) return "yday";
  return undefined;
}

function defaultScale(format: TimeFormat): LiteralTimeScale {
  switch (format) {
    case "iso":
    case "isot":
    case "fits":
    case "yday":
    case "unix":
      return "utc";
    case "cxcsec":
      return "tt";
    default:
      return "tai";
  }
}

/**
 * Takes apart the text inside `T'…'`, or says what is wrong with it: an unknown format or scale, a
 * value that matches no known form, a date or time field out of range, or a time zone other than
 * `+00:00` (which is dropped).
 */
export function analyzeTimeString(text: string): ParsedTime | { readonly problem: string } {
  const parts = text.replaceAll("+00:00", "").split("/");
  // Two parts are `format/value` when the first names a format, `value/scale` when the second names a
  // scale; otherwise a first part of letters is taken for a (misspelt) format.
  const hasFormat =
    parts.length === 3 ||
    (parts.length === 2 &&
      (FORMATS.has(parts[0]!.toLowerCase()) ||
        (!SCALES.has(parts[1]!.toLowerCase()) && /^[A-Za-z_]+$/.test(parts[0]!))));
  const givenFormat = hasFormat ? parts[0] : undefined;
  const value = parts[hasFormat ? 1 : 0]!;
  const givenScale = parts.length === 3 ? parts[2] : parts.length === 2 && !hasFormat ? parts[1] : undefined;
  if (parts.length > 3 || value === "") return { problem: "it does not match any known time format" };
  let format: TimeFormat | undefined;
  if (givenFormat !== undefined) {
    const lower = givenFormat.toLowerCase();
    if (!FORMATS.has(lower)) {
      return { problem: `unknown time format '${givenFormat}' (known: ${[...FORMATS].join(", ")})` };
    }
    format = lower as TimeFormat;
  }
  let scale: LiteralTimeScale | undefined;
  if (givenScale !== undefined) {
    const lower = givenScale.toLowerCase();
    if (!SCALES.has(lower)) {
      return { problem: `unknown time scale '${givenScale}' (known: ${LITERAL_TIME_SCALES.join(", ")})` };
    }
    scale = lower as LiteralTimeScale;
  }
  format ??= inferFormat(value);
  if (format === undefined) {
    const zone = TIME_ZONE.exec(value);
    if (zone !== null && inferFormat(value.slice(0, zone.index + 1)) !== undefined) {
      return { problem: `time zone '${zone[1]}' is not supported (only UTC: '+00:00' or none)` };
    }
    return { problem: "it does not match any known time format" };
  }
  const problem = checkValue(format, value);
  if (problem !== undefined) return { problem };
  return Object.freeze({ format, scale: scale ?? defaultScale(format), value });
}

/** Like analyzeTimeString, but throws InvalidArgumentError with the problem. */
export function parseTimeString(text: string): ParsedTime {
  const result = analyzeTimeString(text);
  if ("problem" in result) throw new InvalidArgumentError(`invalid time string '${text}': ${result.problem}`);
  return result;
}
