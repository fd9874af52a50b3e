/** Durations as people write them in options and config: `90s`, `15m`, `12h`, `30d`, `2w`. */
import { InvalidArgumentError } from "../errors/index.ts";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

export const DURATION_FORMS =
  "a positive whole number followed by s, m, h, d or w (e.g. 90s, 15m, 12h, 30d, 2w)";

/** A duration in seconds; a plain number is seconds. Anything else is an InvalidArgumentError. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+)\s*([smhdw]?)\s*$/i.exec(text);
  const seconds = match === null ? 0 : Number(match[1]) * UNIT_SECONDS[(match[2] || "s").toLowerCase()]!;
  if (!(seconds > 0 && Number.isSafeInteger(seconds))) {
    throw new InvalidArgumentError(`duration '${text}' is not accepted; write ${DURATION_FORMS}`);
  }
  return seconds;
}
