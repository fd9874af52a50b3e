/**
 * The time layer: instants as bigint TAI nanoseconds since 1970, the one TAI−UTC table, calendar
 * arithmetic, time literals of the `where` language and afw's `DateTime`. Core, image and the
 * expression parser all use these; nothing here imports another layer but the errors.
 */
export { DateTime } from "./date-time.ts";
export { analyzeTimeString, type ParsedTime, parseTimeString } from "./literal-syntax.ts";
export {
  type CalendarTime,
  clampTime,
  type FormatOptions,
  formatButlerTime,
  formatIsoTime,
  MAX_TIME_NS,
  MIN_TIME_NS,
  NS_PER_DAY,
  NS_PER_SECOND,
  parseButlerTime,
  TIME_SCALES,
  type TimeScale,
  TT_MINUS_TAI_NS,
  timeFromCalendar,
  timeFromDate,
  timeFromIso,
  timeFromMjd,
  timeFromUnix,
  timeToCalendar,
  timeToDate,
  timeToMjd,
  timeToUnix,
} from "./time.ts";
export { parseTimeLiteral } from "./time-literal.ts";
