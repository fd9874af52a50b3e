import { InvalidTimeError } from "../errors/index.ts";
import { daysInMonth } from "../time/calendar.ts";
import {
  clampTime,
  formatButlerTime,
  formatIsoTime,
  MAX_TIME_NS,
  MIN_TIME_NS,
  NS_PER_DAY,
  parseButlerTime,
  timeFromCalendar,
} from "../time/time.ts";

/** JSON and export form: TAI ISO bounds (null = unbounded), or "EMPTY". */
export type TimespanJson = "EMPTY" | { readonly begin: string | null; readonly end: string | null };

/** A timespan as the database stores it: two integer columns, unbounded sides as fixed sentinels. */
export interface TimespanColumns {
  readonly begin: bigint;
  readonly end: bigint;
}

/**
 * A half-open interval [begin, end) of TAI nanoseconds since 1970; null bounds are unbounded.
 *
 * Internally both bounds are always integers, exactly as stored: an unbounded begin is
 * `MIN_TIME_NS` (1970-01-01 TAI), an unbounded end `MAX_TIME_NS` (2100-01-01 TAI), and bounds
 * beyond those limits are clamped to them, as daf_butler does. `begin == end` is widened by 1 ns
 * unless `padInstantaneous` is false; `begin > end` gives the empty timespan, stored as
 * (MAX_TIME_NS, MIN_TIME_NS), which overlaps nothing and is contained by everything.
 */
export class Timespan {
  /** The timespan that contains no time. */
  static readonly EMPTY: Timespan = new Timespan(MAX_TIME_NS, MIN_TIME_NS);
  /** The timespan that contains every time. */
  static readonly UNBOUNDED: Timespan = new Timespan(null, null);
  /** Stored begin: MIN_TIME_NS when unbounded, MAX_TIME_NS when empty. */
  readonly beginNs: bigint;
  /** Stored end: MAX_TIME_NS when unbounded, MIN_TIME_NS when empty. */
  readonly endNs: bigint;

  constructor(begin: bigint | null, end: bigint | null, options: { padInstantaneous?: boolean } = {}) {
    let lo = begin === null ? MIN_TIME_NS : clampTime(checkBound(begin, "begin"));
    let hi = end === null ? MAX_TIME_NS : clampTime(checkBound(end, "end"));
    if (lo === hi) {
      if (lo === MAX_TIME_NS || hi === MIN_TIME_NS) {
        throw new InvalidTimeError(
          `timespan [${show(begin)}, ${show(end)}) is a single instant at a representable limit ` +
            `(${formatButlerTime(MIN_TIME_NS)} or ${formatButlerTime(MAX_TIME_NS)} TAI); ` +
            "instants must lie strictly between them",
        );
      }
      if (options.padInstantaneous ?? true) {
        hi = lo + 1n;
        if (hi === MAX_TIME_NS) {
          throw new InvalidTimeError(
            `cannot pad the instant ${show(begin)} by 1 ns: that is the maximum time`,
          );
        }
      }
    }
    // Every empty timespan has the same stored form, so equality and SQL need no special case.
    if (lo >= hi) {
      lo = MAX_TIME_NS;
      hi = MIN_TIME_NS;
    }
    this.beginNs = lo;
    this.endNs = hi;
  }

  /** The timespan [time, time + 1 ns). */
  static fromInstant(time: bigint): Timespan {
    return new Timespan(time, time);
  }

  /**
   * The 24 hours of an observing day: from TAI midnight of YYYYMMDD plus `offsetSeconds` (the
   * observatory's rollover, e.g. 12 h) to the same time a day later.
   */
  static fromDayObs(dayObs: number, offsetSeconds = 0): Timespan {
    const year = Math.floor(dayObs / 10000);
    const month = Math.floor(dayObs / 100) % 100;
    const day = dayObs % 100;
    const valid =
      Number.isSafeInteger(dayObs) &&
      year >= 1970 &&
      year <= 9999 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= daysInMonth(year, month);
    if (!valid) {
      throw new InvalidTimeError(
        `day_obs must be a YYYYMMDD date from 1970 on, such as 20240229; got ${dayObs}`,
      );
    }
    if (!Number.isFinite(offsetSeconds)) {
      throw new InvalidTimeError(`day_obs offset must be a finite number of seconds, got ${offsetSeconds}`);
    }
    const midnight = timeFromCalendar(
      { year, month, day, hour: 0, minute: 0, second: 0, nanosecond: 0 },
      "tai",
    );
    const begin = midnight + BigInt(Math.round(offsetSeconds * 1e9));
    return new Timespan(begin, begin + NS_PER_DAY);
  }

  /**
   * From the two stored integers. Drivers may hand back bigint, a safe-integer number or a decimal
   * string; a number beyond 2^53 has already lost precision, so it is refused.
   */
  static fromDatabase(begin: bigint | number | string, end: bigint | number | string): Timespan {
    const lo = columnValue(begin, "begin");
    const hi = columnValue(end, "end");
    return lo >= hi
      ? Timespan.EMPTY
      : new Timespan(lo === MIN_TIME_NS ? null : lo, hi === MAX_TIME_NS ? null : hi);
  }

  static fromJSON(json: TimespanJson): Timespan {
    if (json === "EMPTY") return Timespan.EMPTY;
    const begin = json.begin === null ? null : parseButlerTime(json.begin);
    const end = json.end === null ? null : parseButlerTime(json.end);
    return new Timespan(begin, end);
  }

  /** Begin in TAI ns, or null when unbounded below. For the empty timespan: MAX_TIME_NS. */
  get begin(): bigint | null {
    return this.beginNs === MIN_TIME_NS ? null : this.beginNs;
  }

  /** End in TAI ns (exclusive), or null when unbounded above. For the empty timespan: MIN_TIME_NS. */
  get end(): bigint | null {
    return this.endNs === MAX_TIME_NS ? null : this.endNs;
  }

  isEmpty(): boolean {
    return this.beginNs >= this.endNs;
  }

  /** Whether the two share any time (a time: whether it lies inside). Empty overlaps nothing. */
  overlaps(other: Timespan | bigint): boolean {
    if (typeof other === "bigint") return this.contains(other);
    return this.endNs > other.beginNs && other.endNs > this.beginNs;
  }

  /** Whether every time of `other` lies inside this one; everything contains the empty timespan. */
  contains(other: Timespan | bigint): boolean {
    if (typeof other === "bigint") {
      const t = clampTime(other);
      return this.beginNs <= t && t < this.endNs;
    }
    return other.isEmpty() || (this.beginNs <= other.beginNs && other.endNs <= this.endNs);
  }

  /** Whether this timespan ends at or before `other` begins; false when either is empty. */
  isBefore(other: Timespan | bigint): boolean {
    const [lo, hi] =
      typeof other === "bigint" ? [clampTime(other), clampTime(other) + 1n] : [other.beginNs, other.endNs];
    return this.endNs <= lo && this.beginNs < hi;
  }

  /** Whether this timespan begins at or after `other` ends; false when either is empty. */
  isAfter(other: Timespan | bigint): boolean {
    const [lo, hi] =
      typeof other === "bigint" ? [clampTime(other), clampTime(other) + 1n] : [other.beginNs, other.endNs];
    return this.beginNs >= hi && this.endNs > lo;
  }

  /** The times all of them share (this one alone when given nothing). */
  intersection(...others: Timespan[]): Timespan {
    let lo = this.beginNs;
    let hi = this.endNs;
    for (const other of others) {
      if (other.beginNs > lo) lo = other.beginNs;
      if (other.endNs < hi) hi = other.endNs;
    }
    return Timespan.fromStored(lo, hi);
  }

  /** The parts of this timespan outside `other`: none, one or two timespans. */
  difference(other: Timespan): Timespan[] {
    if (!this.overlaps(other)) return this.isEmpty() ? [] : [this];
    const parts: Timespan[] = [];
    if (this.beginNs < other.beginNs) parts.push(Timespan.fromStored(this.beginNs, other.beginNs));
    if (other.endNs < this.endNs) parts.push(Timespan.fromStored(other.endNs, this.endNs));
    return parts;
  }

  equals(other: Timespan): boolean {
    return this.beginNs === other.beginNs && this.endNs === other.endNs;
  }

  /** The two integers to store (see the class comment for the sentinels). */
  toDatabase(): TimespanColumns {
    return { begin: this.beginNs, end: this.endNs };
  }

  toJSON(): TimespanJson {
    if (this.isEmpty()) return "EMPTY";
    const begin = this.begin;
    const end = this.end;
    return {
      begin: begin === null ? null : formatButlerTime(begin),
      end: end === null ? null : formatButlerTime(end),
    };
  }

  /** `[2021-09-09T03:00:00, 2021-09-09T03:01:00)` in TAI, `(-∞, …)`/`…, ∞)` when unbounded, `(empty)`. */
  toString(): string {
    if (this.isEmpty()) return "(empty)";
    const at = (ns: bigint) => formatIsoTime(ns, { separator: "T", digits: 0 });
    const begin = this.begin;
    const end = this.end;
    return `${begin === null ? "(-∞" : `[${at(begin)}`}, ${end === null ? "∞" : at(end)})`;
  }

  /** Stored values straight through, with no padding (they are already discrete). */
  private static fromStored(lo: bigint, hi: bigint): Timespan {
    if (lo >= hi) return Timespan.EMPTY;
    return new Timespan(lo === MIN_TIME_NS ? null : lo, hi === MAX_TIME_NS ? null : hi, {
      padInstantaneous: false,
    });
  }
}

function checkBound(value: unknown, which: string): bigint {
  if (typeof value !== "bigint") {
    throw new InvalidTimeError(
      `timespan ${which} must be bigint TAI nanoseconds or null, got ${typeof value}`,
    );
  }
  return value;
}

function columnValue(value: bigint | number | string, which: string): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
  throw new InvalidTimeError(
    `timespan ${which} column value ${String(value)} is not an exact integer; read 64-bit columns as ` +
      "bigint or decimal strings",
  );
}

function show(bound: bigint | null): string {
  return bound === null ? "unbounded" : `${bound} ns`;
}
