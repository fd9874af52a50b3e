/**
 * `DateTime`: an instant as integer nanoseconds since 1970-01-01T00:00:00 TAI, like afw's
 * `daf::base::DateTime`, with ISO-8601 text in TAI (afw's `DATE-AVG`) or UTC (the legacy `TIME-MID`).
 *
 * UTC ↔ TAI uses the published TAI−UTC table: since 1972 a whole number of leap seconds; from 1961
 * to 1972 the "rubber second" offsets, a constant plus a rate times (MJD − reference MJD).
 */
import { InvalidTimeError } from "../errors/index.ts";

const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_DAY = 86_400n * NS_PER_SECOND;
const MJD_1970 = 40587;

/** TAI − UTC from the start of each period (UTC MJD): offset s + (MJD − mjdRef) × rate s/day. */
interface LeapPeriod {
  mjd: number;
  offset: number;
  mjdRef: number;
  rate: number;
}

/** The published TAI−UTC table (IERS/USNO), 1961 onwards. */
const PERIODS: readonly LeapPeriod[] = [
  { mjd: 37300, offset: 1.422818, mjdRef: 37300, rate: 0.001296 },
  { mjd: 37512, offset: 1.372818, mjdRef: 37300, rate: 0.001296 },
  { mjd: 37665, offset: 1.845858, mjdRef: 37665, rate: 0.0011232 },
  { mjd: 38334, offset: 1.945858, mjdRef: 37665, rate: 0.0011232 },
  { mjd: 38395, offset: 3.24013, mjdRef: 38761, rate: 0.001296 },
  { mjd: 38486, offset: 3.34013, mjdRef: 38761, rate: 0.001296 },
  { mjd: 38639, offset: 3.44013, mjdRef: 38761, rate: 0.001296 },
  { mjd: 38761, offset: 3.54013, mjdRef: 38761, rate: 0.001296 },
  { mjd: 38820, offset: 3.64013, mjdRef: 38761, rate: 0.001296 },
  { mjd: 38942, offset: 3.74013, mjdRef: 38761, rate: 0.001296 },
  { mjd: 39004, offset: 3.84013, mjdRef: 38761, rate: 0.001296 },
  { mjd: 39126, offset: 4.31317, mjdRef: 39126, rate: 0.002592 },
  { mjd: 39887, offset: 4.21317, mjdRef: 39126, rate: 0.002592 },
  ...[
    [41317, 10],
    [41499, 11],
    [41683, 12],
    [42048, 13],
    [42413, 14],
    [42778, 15],
    [43144, 16],
    [43509, 17],
    [43874, 18],
    [44239, 19],
    [44786, 20],
    [45151, 21],
    [45516, 22],
    [46247, 23],
    [47161, 24],
    [47892, 25],
    [48257, 26],
    [48804, 27],
    [49169, 28],
    [49534, 29],
    [50083, 30],
    [50630, 31],
    [51179, 32],
    [53736, 33],
    [54832, 34],
    [56109, 35],
    [57204, 36],
    [57754, 37],
  ].map(([mjd, offset]) => ({ mjd: mjd!, offset: offset!, mjdRef: 0, rate: 0 })),
];

/** TAI − UTC in seconds at a UTC MJD (0 before 1961, where no offset is defined). */
export function taiMinusUtc(mjdUtc: number): number {
  let period: LeapPeriod | undefined;
  for (const p of PERIODS) {
    if (mjdUtc >= p.mjd) period = p;
    else break;
  }
  if (period === undefined) return 0;
  return period.offset + (mjdUtc - period.mjdRef) * period.rate;
}

export type TimeScale = "TAI" | "UTC";

// YYYY-MM-DDThh:mm:ss[.fffffffff][Z]
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
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
      throw new InvalidTimeError(`'${text}' has a field out of range`);
    }
    const fraction = BigInt((m[7] ?? "").padEnd(9, "0") || "0");
    const days = BigInt(daysFromCivil(year, month, day));
    const nsecs = days * NS_PER_DAY + BigInt(hour * 3600 + minute * 60 + second) * NS_PER_SECOND + fraction;
    if (scale === "TAI") return new DateTime(nsecs);
    // UTC label → TAI: add TAI − UTC evaluated at the UTC instant.
    const mjd = Number(nsecs) / 86_400e9 + MJD_1970;
    return new DateTime(nsecs + secondsToNs(taiMinusUtc(mjd)));
  }

  /** From an MJD in TAI (double precision: about a microsecond today). */
  static fromMjdTai(mjd: number): DateTime {
    return new DateTime(BigInt(Math.round((mjd - MJD_1970) * 86_400e9)));
  }

  /** ISO-8601 with nine decimals and no zone letter, in `scale` (afw's DATE-AVG format for TAI). */
  toIso(scale: TimeScale = "TAI"): string {
    let ns = this.nsecs;
    if (scale === "UTC") {
      // TAI → UTC: the offset depends on the UTC date, so iterate (converges in two steps).
      let offset = 0;
      for (let i = 0; i < 3; i++) {
        const mjd = Number(ns - secondsToNs(offset)) / 86_400e9 + MJD_1970;
        offset = taiMinusUtc(mjd);
      }
      ns -= secondsToNs(offset);
    }
    let days = ns / NS_PER_DAY;
    let rest = ns % NS_PER_DAY;
    if (rest < 0n) {
      rest += NS_PER_DAY;
      days -= 1n;
    }
    const [y, mo, d] = civilFromDays(Number(days));
    const secondsOfDay = Number(rest / NS_PER_SECOND);
    const fraction = (rest % NS_PER_SECOND).toString().padStart(9, "0");
    const hh = Math.floor(secondsOfDay / 3600);
    const mm = Math.floor((secondsOfDay % 3600) / 60);
    const ss = secondsOfDay % 60;
    const two = (n: number) => String(n).padStart(2, "0");
    return `${String(y).padStart(4, "0")}-${two(mo)}-${two(d)}T${two(hh)}:${two(mm)}:${two(ss)}.${fraction}`;
  }

  /** Modified Julian Date in TAI. */
  toMjdTai(): number {
    return Number(this.nsecs) / 86_400e9 + MJD_1970;
  }

  equals(other: DateTime): boolean {
    return this.nsecs === other.nsecs;
  }

  toString(): string {
    return `${this.toIso("TAI")} TAI`;
  }

  toJSON(): string {
    return this.toString();
  }
}

function secondsToNs(seconds: number): bigint {
  return BigInt(Math.round(seconds * 1e9));
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil-date algorithm). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (month <= 2 ? 1 : 0), month, day];
}
