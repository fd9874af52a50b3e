/**
 * `DateTime`: an instant as integer nanoseconds since 1970-01-01T00:00:00 TAI, like afw's
 * `daf::base::DateTime`, with ISO-8601 text in TAI (afw's `DATE-AVG`) or UTC (the legacy `TIME-MID`).
 * UTC goes through the time layer's TAI−UTC table, so it agrees with every other time of the butler.
 */
import { InvalidTimeError } from "../errors/index.ts";
import { MJD_1970 } from "./leap-seconds.ts";
import { formatIsoTime, NS_PER_DAY, type TimeScale, timeFromCalendar } from "./time.ts";

// YYYY-MM-DDThh:mm:ss[.fffffffff][Z]; digits past the ninth are dropped, as afw does.
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9})\d*)?(Z)?$/;

export class DateTime {
  /** Nanoseconds since 1970-01-01T00:00:00 TAI. */
  readonly nsecs: bigint;

  constructor(nsecsTai: bigint) {
    this.nsecs = nsecsTai;
  }

  /** Parses ISO-8601 text (up to nanoseconds; a trailing `Z` is allowed) in the given scale. */
  static fromIso(text: string, scale: TimeScale): DateTime {
    const m = ISO.exec(text.trim());
    if (m === null) {
      throw new InvalidTimeError(`'${text}' is not an ISO-8601 date-time (YYYY-MM-DDThh:mm:ss[.fffffffff])`);
    }
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const nanosecond = Number((m[7] ?? "").padEnd(9, "0"));
    return new DateTime(timeFromCalendar({ year, month, day, hour, minute, second, nanosecond }, scale));
  }

  /** From an MJD in TAI (double precision: about a microsecond today). */
  static fromMjdTai(mjd: number): DateTime {
    return new DateTime(BigInt(Math.round((mjd - MJD_1970) * 86_400e9)));
  }

  /** ISO-8601 with nine decimals and no zone letter, in `scale` (afw's DATE-AVG format for TAI). */
  toIso(scale: TimeScale = "tai"): string {
    return formatIsoTime(this.nsecs, { scale, separator: "T", digits: 9 });
  }

  /** Modified Julian Date in TAI. */
  toMjdTai(): number {
    return Number(this.nsecs) / Number(NS_PER_DAY) + MJD_1970;
  }

  equals(other: DateTime): boolean {
    return this.nsecs === other.nsecs;
  }

  toString(): string {
    return `${this.toIso("tai")} TAI`;
  }

  toJSON(): string {
    return this.toString();
  }
}
