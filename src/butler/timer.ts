/**
 * The butler's timing log, after daf_butler's `timer.…` convention: `--log-level timer.butler=debug`
 * shows where the time of each get and put went.
 */
import { getLogger } from "../log.ts";

export const timer = getLogger("timer.butler");

/** Milliseconds to the microsecond, for log fields. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
