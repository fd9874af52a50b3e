import { InvalidTimeError } from "../errors/index.ts";
import { civilFromDays, daysFromCivil, daysInMonth } from "./calendar.ts";
import { endsWithLeapSecond, MJD_1970, taiMinusUtc, utcDriftRate } from "./leap-seconds.ts";

/*
 * Times are bigint nanoseconds since 1970-01-01T00:00:00 TAI, the unit daf_butler stores in its
 * databases. TAI has no leap seconds, so every day is exactly 86400 s and the arithmetic is plain
 * integer arithmetic; UTC goes through the leap-second table and TT is TAI + 32.184 s.
 */

export const NS_PER_SECOND = 1_000_000_000n;
export const NS_PER_DAY = 86_400n * NS_PER_SECOND;
export const TT_MINUS_TAI_NS = 32_184_000_000n;
/** The earliest time a timespan bound can hold; earlier bounds mean "unbounded". */
export const MIN_TIME_NS = 0n;
/** 2100-01-01T00:00:00 TAI: the latest time a timespan bound can hold, as daf_butler fixes it. */
export const MAX_TIME_NS = BigInt(daysFromCivil(2100, 1, 1)) * NS_PER_DAY;

export type TimeScale = "tai" | "utc" | "tt";
export const TIME_SCALES: readonly TimeScale[] = ["tai", "utc", "tt"];

/** A calendar date and time of day in some scale. `second` is 60 only inside a UTC leap second. */
export interface CalendarTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 ≤ nanosecond < 1e9. */
  readonly nanosecond: number;
}

/** Floor division for bigints (bigint `/` truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** The time a calendar date and time of day names in the given scale. */
export function timeFromCalendar(time: CalendarTime, scale: TimeScale = "tai"): bigint {
  const { year, month, day, hour, minute, second, nanosecond } = time;
  const bad = (what: string) =>
    new InvalidTimeError(`${describeCalendar(time)} ${scale.toUpperCase()} is not a valid time: ${what}`);
  if (![year, month, day, hour, minute, second, nanosecond].every(Number.isSafeInteger)) {
    throw bad("every field must be an integer");
  }
  if (month < 1 || month > 12) throw bad("month must be 1–12");
  if (day < 1 || day > daysInMonth(year, month)) throw bad(`day must be 1–${daysInMonth(year, month)}`);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) throw bad("hour must be 0–23 and minute 0–59");
  if (nanosecond < 0 || nanosecond >= 1e9) throw bad("the fraction of a second must be below 1");
  const days = daysFromCivil(year, month, day);
  const leap = scale === "utc" && hour === 23 && minute === 59 && endsWithLeapSecond(days + MJD_1970);
  if (second < 0 || second > (leap ? 60 : 59)) {
    throw bad(
      leap ? "second must be 0–60 in this leap second" : "second must be 0–59 (60 only in a UTC leap second)",
    );
  }
  const ofDay = BigInt(hour * 3600 + minute * 60 + second) * NS_PER_SECOND + BigInt(nanosecond);
  return fromDayAndOffset(days, ofDay, scale);
}

/** The calendar date and time of day of a time, in the given scale. */
export function timeToCalendar(ns: bigint, scale: TimeScale = "tai"): CalendarTime {
  const { days, ofDay } = toDayAndOffset(ns, scale);
  const { year, month, day } = civilFromDays(days);
  // Only a UTC leap second makes a day longer than 86400 s; it is shown as 23:59:60.
  const seconds = Number(ofDay / NS_PER_SECOND);
  const nanosecond = Number(ofDay % NS_PER_SECOND);
  if (seconds >= 86400)
    return { year, month, day, hour: 23, minute: 59, second: 60 + (seconds - 86400), nanosecond };
  const hour = Math.floor(seconds / 3600);
  const minute = Math.floor((seconds % 3600) / 60);
  return { year, month, day, hour, minute, second: seconds % 60, nanosecond };
}

/**
 * Parses `YYYY-MM-DD`, `YYYY-MM-DD hh:mm[:ss[.fffffffff]]` or the same with `T`, in the given scale.
 * More than nine fraction digits are rounded to the nanosecond.
 */
export function timeFromIso(text: string, scale: TimeScale = "tai"): bigint {
  const match = ISO.exec(text);
  if (match === null) {
    throw new InvalidTimeError(
      `'${text}' is not an ISO time; accepted: YYYY-MM-DD, YYYY-MM-DD hh:mm[:ss[.fffffffff]] (space or T)`,
    );
  }
  const [, y, mo, d, h, mi, s, fraction] = match;
  const { nanosecond, carry } = fractionToNs(fraction ?? "");
  const time = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h ?? 0),
    minute: Number(mi ?? 0),
    second: Number(s ?? 0),
    nanosecond,
  };
  return timeFromCalendar(time, scale) + (carry ? NS_PER_SECOND : 0n);
}

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d*))?)?)?$/;

/** Digits after the decimal point → nanoseconds, rounding past nine digits (carry = it rounded up to 1 s). */
export function fractionToNs(digits: string): { nanosecond: number; carry: boolean } {
  const ns = Number(digits.slice(0, 9).padEnd(9, "0"));
  const roundUp = digits.length > 9 && digits.charCodeAt(9) >= 53; // '5'
  if (!roundUp) return { nanosecond: ns, carry: false };
  return ns + 1 === 1e9 ? { nanosecond: 0, carry: true } : { nanosecond: ns + 1, carry: false };
}

export interface FormatOptions {
  readonly scale?: TimeScale;
  /** Between date and time: " " (iso, the default) or "T" (isot). */
  readonly separator?: " " | "T";
  /** Fraction digits, 0–9 (default 9); the time is rounded to that precision. */
  readonly digits?: number;
}

/** Formats a time as `YYYY-MM-DD hh:mm:ss.fffffffff` in the given scale (TAI by default). */
export function formatIsoTime(ns: bigint, options: FormatOptions = {}): string {
  const { scale = "tai", separator = " ", digits = 9 } = options;
  if (!Number.isInteger(digits) || digits < 0 || digits > 9) {
    throw new InvalidTimeError(`fraction digits must be an integer 0–9, got ${digits}`);
  }
  const unit = 10n ** BigInt(9 - digits);
  const rounded = floorDiv(ns + unit / 2n, unit) * unit;
  const c = timeToCalendar(rounded, scale);
  if (c.year < 0 || c.year > 9999) throw new InvalidTimeError(`time ${ns} ns is outside years 0000–9999`);
  const two = (n: number) => String(n).padStart(2, "0");
  const date = `${String(c.year).padStart(4, "0")}-${two(c.month)}-${two(c.day)}`;
  const clock = `${two(c.hour)}:${two(c.minute)}:${two(c.second)}`;
  const fraction = digits === 0 ? "" : `.${String(c.nanosecond).padStart(9, "0").slice(0, digits)}`;
  return `${date}${separator}${clock}${fraction}`;
}

/** The `!butler_time/tai/iso` export form: `YYYY-MM-DD hh:mm:ss.fffffffff` in TAI. */
export function formatButlerTime(ns: bigint): string {
  return formatIsoTime(ns, { scale: "tai", separator: " ", digits: 9 });
}

/** Reads the `!butler_time/tai/iso` export form (any ISO time, taken as TAI). */
export function parseButlerTime(text: string): bigint {
  return timeFromIso(text, "tai");
}

/** MJD (days, fractional) in the given scale; a UTC MJD's day is 86401 s long on leap-second days. */
export function timeFromMjd(mjd: number, scale: TimeScale = "tai"): bigint {
  if (!Number.isFinite(mjd)) throw new InvalidTimeError(`MJD must be a finite number, got ${mjd}`);
  const day = Math.floor(mjd);
  return timeFromDayFraction(day, mjd - day, scale);
}

/** A whole MJD day plus a fraction of that day (0 ≤ fraction < 1), kept apart for precision. */
export function timeFromDayFraction(mjdDay: number, fraction: number, scale: TimeScale = "tai"): bigint {
  const seconds = scale === "utc" && endsWithLeapSecond(mjdDay) ? 86401 : 86400;
  const ofDay = BigInt(Math.round(fraction * seconds * 1e9));
  return fromDayAndOffset(mjdDay - MJD_1970, ofDay, scale);
}

export function timeToMjd(ns: bigint, scale: TimeScale = "tai"): number {
  const { days, ofDay } = toDayAndOffset(ns, scale);
  const seconds = scale === "utc" && endsWithLeapSecond(days + MJD_1970) ? 86401 : 86400;
  return days + MJD_1970 + Number(ofDay) / (seconds * 1e9);
}

/** Unix seconds: POSIX seconds since 1970-01-01 UTC, which skip leap seconds. */
export function timeFromUnix(seconds: number): bigint {
  if (!Number.isFinite(seconds))
    throw new InvalidTimeError(`unix time must be a finite number, got ${seconds}`);
  const whole = Math.floor(seconds);
  return fromPosixNs(BigInt(whole) * NS_PER_SECOND + BigInt(Math.round((seconds - whole) * 1e9)));
}

export function timeToUnix(ns: bigint): number {
  const posix = toPosixNs(ns);
  const whole = floorDiv(posix, NS_PER_SECOND);
  return Number(whole) + Number(posix - whole * NS_PER_SECOND) / 1e9;
}

export function timeFromDate(date: Date): bigint {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new InvalidTimeError("cannot convert an invalid Date");
  return fromPosixNs(BigInt(ms) * 1_000_000n);
}

/** A JavaScript Date (millisecond precision, leap seconds folded into the next second). */
export function timeToDate(ns: bigint): Date {
  return new Date(Number(floorDiv(toPosixNs(ns), 1_000_000n)));
}

/** Converts POSIX (UTC, leap seconds skipped) nanoseconds to TAI nanoseconds. */
function fromPosixNs(posix: bigint): bigint {
  const days = floorDiv(posix, NS_PER_DAY);
  return fromDayAndOffset(Number(days), posix - days * NS_PER_DAY, "utc");
}

function toPosixNs(ns: bigint): bigint {
  const { days, ofDay } = toDayAndOffset(ns, "utc");
  return BigInt(days) * NS_PER_DAY + ofDay;
}

/** TAI ns of `ofDay` ns into day `days` (since 1970-01-01) of the given scale. */
function fromDayAndOffset(days: number, ofDay: bigint, scale: TimeScale): bigint {
  const local = BigInt(days) * NS_PER_DAY + ofDay;
  switch (scale) {
    case "tai":
      return local;
    case "tt":
      return local - TT_MINUS_TAI_NS;
    case "utc":
      return local + offsetNs(days + MJD_1970, Number(ofDay) / 1e9);
  }
}

/** The day (since 1970-01-01) and ns into that day of a TAI time, in the given scale. */
function toDayAndOffset(ns: bigint, scale: TimeScale): { days: number; ofDay: bigint } {
  if (scale !== "utc") {
    const local = scale === "tt" ? ns + TT_MINUS_TAI_NS : ns;
    const days = floorDiv(local, NS_PER_DAY);
    return { days: Number(days), ofDay: local - days * NS_PER_DAY };
  }
  // Find the UTC day whose start (in TAI) is the last one at or before ns; TAI−UTC < 40 s.
  let days = Number(floorDiv(ns, NS_PER_DAY));
  while (utcDayStart(days) > ns) days--;
  while (utcDayStart(days + 1) <= ns) days++;
  const elapsed = ns - utcDayStart(days);
  const rate = utcDriftRate(days + MJD_1970);
  // Before 1972 UTC seconds were slightly longer than TAI seconds.
  const ofDay = rate === 0 ? elapsed : BigInt(Math.round(Number(elapsed) / (1 + rate / 86400)));
  return { days, ofDay };
}

function utcDayStart(days: number): bigint {
  return BigInt(days) * NS_PER_DAY + offsetNs(days + MJD_1970, 0);
}

function offsetNs(mjdDay: number, secondsOfDay: number): bigint {
  return BigInt(Math.round(taiMinusUtc(mjdDay, secondsOfDay) * 1e9));
}

function describeCalendar(t: CalendarTime): string {
  return `${t.year}-${t.month}-${t.day} ${t.hour}:${t.minute}:${t.second}`;
}

/** Clamps a time into the range timespan bounds can hold. */
export function clampTime(ns: bigint): bigint {
  return ns < MIN_TIME_NS ? MIN_TIME_NS : ns > MAX_TIME_NS ? MAX_TIME_NS : ns;
}
