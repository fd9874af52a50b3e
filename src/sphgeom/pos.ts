/**
 * IVOA SIAv2 POS strings, the argument of REGION('...') in a `where` clause. All values are in
 * degrees, separated by whitespace; the shape keyword is case-insensitive:
 *   CIRCLE <ra> <dec> <radius>
 *   RANGE <lon1> <lon2> <lat1> <lat2>     (-Inf/+Inf allowed: unbounded; lon1 > lon2 wraps through 0)
 *   POLYGON <ra1> <dec1> <ra2> <dec2> <ra3> <dec3> ...   (convex hull; order ignored)
 */
import { InvalidRegionError } from "../errors/index.ts";
import { Box } from "./box.ts";
import { Circle } from "./circle.ts";
import { ConvexPolygon } from "./convex-polygon.ts";
import type { Region } from "./region.ts";

export const POS_FORMS = [
  "CIRCLE <ra> <dec> <radius>",
  "RANGE <lon1> <lon2> <lat1> <lat2>",
  "POLYGON <ra1> <dec1> <ra2> <dec2> <ra3> <dec3> ...",
] as const;

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
const INFINITY = /^([+-]?)inf(inity)?$/i;

function fail(pos: string, detail: string): never {
  throw new InvalidRegionError(
    "pos",
    `invalid POS region '${pos}': ${detail}; expected one of: ${POS_FORMS.join(", ")} (degrees)`,
  );
}

function parseNumbers(pos: string, words: string[], allowInfinity: boolean): number[] {
  return words.map((w) => {
    if (NUMBER.test(w)) return Number(w);
    const inf = INFINITY.exec(w);
    if (inf && allowInfinity) return inf[1] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    return fail(pos, `'${w}' is not a number`);
  });
}

/** Parses a POS string into a Region; malformed strings throw InvalidRegionError listing the forms. */
export function parsePosRegion(pos: string): Region {
  const words = pos
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0);
  if (words.length === 0) fail(pos, "the string is empty");
  const shape = words[0]!.toUpperCase();
  const args = words.slice(1);
  switch (shape) {
    case "CIRCLE": {
      if (args.length !== 3) fail(pos, `CIRCLE takes 3 values, got ${args.length}`);
      const [ra, dec, r] = parseNumbers(pos, args, false) as [number, number, number];
      return Circle.fromDegrees(ra, dec, r);
    }
    case "RANGE": {
      if (args.length !== 4) fail(pos, `RANGE takes 4 values, got ${args.length}`);
      const [lon1, lon2, lat1, lat2] = parseNumbers(pos, args, true) as [number, number, number, number];
      if (lat1 > lat2) fail(pos, `RANGE latitudes must be increasing, got ${lat1} > ${lat2}`);
      const lonFull = lon1 === Number.NEGATIVE_INFINITY || lon2 === Number.POSITIVE_INFINITY;
      if (!lonFull && (!Number.isFinite(lon1) || !Number.isFinite(lon2))) {
        fail(pos, "RANGE longitudes may only be unbounded as -Inf (lon1) or +Inf (lon2)");
      }
      return Box.fromDegrees(lonFull ? 0 : lon1, lonFull ? 360 : lon2, lat1, lat2);
    }
    case "POLYGON": {
      if (args.length < 6 || args.length % 2 !== 0) {
        fail(pos, `POLYGON takes an even number of values for at least 3 vertices, got ${args.length}`);
      }
      return ConvexPolygon.fromLonLatDegrees(parseNumbers(pos, args, false));
    }
    default:
      return fail(pos, `unknown shape '${words[0]}'`);
  }
}
