import { daysFromCivil } from "./calendar.ts";

/** MJD of 1970-01-01, the day our nanosecond counts start from. */
export const MJD_1970 = 40587;

/**
 * TAI−UTC from the IERS/USNO table (the one ERFA and astropy use). From 1972 it steps by whole leap
 * seconds; 1960–1971 UTC ran at a slightly different rate, so the offset there is
 * `offset + (mjd − driftMjd) × driftRate` seconds. Entries: year, month, offset, driftMjd, driftRate.
 */
const TABLE: readonly (readonly [number, number, number, number, number])[] = [
  [1960, 1, 1.417818, 37300, 0.001296],
  [1961, 1, 1.422818, 37300, 0.001296],
  [1961, 8, 1.372818, 37300, 0.001296],
  [1962, 1, 1.845858, 37665, 0.0011232],
  [1963, 11, 1.945858, 37665, 0.0011232],
  [1964, 1, 3.24013, 38761, 0.001296],
  [1964, 4, 3.34013, 38761, 0.001296],
  [1964, 9, 3.44013, 38761, 0.001296],
  [1965, 1, 3.54013, 38761, 0.001296],
  [1965, 3, 3.64013, 38761, 0.001296],
  [1965, 7, 3.74013, 38761, 0.001296],
  [1965, 9, 3.84013, 38761, 0.001296],
  [1966, 1, 4.31317, 39126, 0.002592],
  [1968, 2, 4.21317, 39126, 0.002592],
  [1972, 1, 10, 0, 0],
  [1972, 7, 11, 0, 0],
  [1973, 1, 12, 0, 0],
  [1974, 1, 13, 0, 0],
  [1975, 1, 14, 0, 0],
  [1976, 1, 15, 0, 0],
  [1977, 1, 16, 0, 0],
  [1978, 1, 17, 0, 0],
  [1979, 1, 18, 0, 0],
  [1980, 1, 19, 0, 0],
  [1981, 7, 20, 0, 0],
  [1982, 7, 21, 0, 0],
  [1983, 7, 22, 0, 0],
  [1985, 7, 23, 0, 0],
  [1988, 1, 24, 0, 0],
  [1990, 1, 25, 0, 0],
  [1991, 1, 26, 0, 0],
  [1992, 7, 27, 0, 0],
  [1993, 7, 28, 0, 0],
  [1994, 7, 29, 0, 0],
  [1996, 1, 30, 0, 0],
  [1997, 7, 31, 0, 0],
  [1999, 1, 32, 0, 0],
  [2006, 1, 33, 0, 0],
  [2009, 1, 34, 0, 0],
  [2012, 7, 35, 0, 0],
  [2015, 7, 36, 0, 0],
  [2017, 1, 37, 0, 0],
];

interface Entry {
  readonly startMjd: number;
  readonly offset: number;
  readonly driftMjd: number;
  readonly driftRate: number;
}

const ENTRIES: readonly Entry[] = TABLE.map(([year, month, offset, driftMjd, driftRate]) => ({
  startMjd: daysFromCivil(year, month, 1) + MJD_1970,
  offset,
  driftMjd,
  driftRate,
}));

/** First UTC day (MJD) on which TAI−UTC is a whole number of leap seconds. */
export const FIRST_LEAP_SECOND_ERA_MJD = ENTRIES.find((e) => e.driftRate === 0)!.startMjd;

function entryFor(mjdDay: number): Entry | undefined {
  let found: Entry | undefined;
  for (const entry of ENTRIES) {
    if (entry.startMjd > mjdDay) break;
    found = entry;
  }
  return found;
}

/**
 * TAI−UTC in seconds at `secondsOfDay` UTC seconds into UTC day `mjdDay`. Before 1960 UTC is taken to
 * equal TAI (as astropy does, with a warning there); after the last table entry the last offset holds.
 */
export function taiMinusUtc(mjdDay: number, secondsOfDay = 0): number {
  const entry = entryFor(mjdDay);
  if (entry === undefined) return 0;
  return entry.offset + (mjdDay + secondsOfDay / 86400 - entry.driftMjd) * entry.driftRate;
}

/** The drift rate (seconds of offset per UTC day) in force on that day; zero from 1972. */
export function utcDriftRate(mjdDay: number): number {
  return entryFor(mjdDay)?.driftRate ?? 0;
}

/** Whether UTC day `mjdDay` ends with a leap second (and so has 86401 seconds). */
export function endsWithLeapSecond(mjdDay: number): boolean {
  if (mjdDay < FIRST_LEAP_SECOND_ERA_MJD) return false;
  return taiMinusUtc(mjdDay + 1) - taiMinusUtc(mjdDay) === 1;
}
