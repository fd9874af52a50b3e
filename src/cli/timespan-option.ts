/**
 * `--timespan BEGIN/END`: an ISO-8601-style interval of two time literals (the `T'…'` forms of the
 * query language, each with an optional `/scale`), either side empty for an open bound. A time
 * literal may itself hold slashes (`2026-03-10T02:00/utc`), so the split is the one that leaves two
 * readable times.
 */
import { InvalidArgumentError as CommanderArgumentError } from "commander";
import { Timespan } from "../core/index.ts";
import { parseTimeLiteral } from "../time/index.ts";

function timeOrOpen(text: string): bigint | null | undefined {
  if (text.trim() === "") return null;
  try {
    return parseTimeLiteral(text.trim());
  } catch {
    return undefined;
  }
}

export function parseTimespanOption(value: string): Timespan {
  const slashes = [...value.matchAll(/\//g)].map((m) => m.index!);
  for (const at of slashes) {
    const begin = timeOrOpen(value.slice(0, at));
    const end = timeOrOpen(value.slice(at + 1));
    if (begin !== undefined && end !== undefined) return new Timespan(begin, end);
  }
  throw new CommanderArgumentError(
    `--timespan takes BEGIN/END, two times such as 2026-03-10T02:00:00/2026-03-10T03:00:00 (UTC unless ` +
      `a /scale follows a time; either side may be empty for an open end); got '${value}'`,
  );
}
