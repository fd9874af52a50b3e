/** Validation of the guard's limits: each is a positive whole number (ms, bytes, counts, seconds). */
import { ServerConfigError } from "../../errors/index.ts";
import type { GuardLimits } from "./types.ts";

/** Config-file names of the limits, for messages that point at the setting to change. */
export const LIMIT_KEYS: Readonly<Record<keyof GuardLimits, string>> = Object.freeze({
  streamsPerUser: "limits.streams_per_user",
  streamsPerProcess: "limits.streams_per_process",
  retryAfterSeconds: "limits.retry_after",
  maxIds: "limits.max_ids",
  maxUploadRows: "limits.max_upload_rows",
  queryTimeoutMs: "limits.query_timeout",
  tokenCacheMs: "limits.token_cache",
});

export function checkLimits(limits: GuardLimits): GuardLimits {
  for (const [name, key] of Object.entries(LIMIT_KEYS) as [keyof GuardLimits, string][]) {
    const value = limits[name];
    const zeroAllowed = name === "tokenCacheMs";
    if (!(Number.isSafeInteger(value) && (value > 0 || (zeroAllowed && value === 0)))) {
      throw new ServerConfigError(
        key,
        `${String(value)} is not accepted; a ${zeroAllowed ? "non-negative" : "positive"} whole number`,
      );
    }
  }
  return limits;
}
