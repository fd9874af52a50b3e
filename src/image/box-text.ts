/**
 * The text form of a box that users type: `x0,y0,x1,y1`, inclusive integer corners in PARENT pixel
 * coordinates (afw's Box2I convention), as `butler get --bbox` and the web page's cutout take it.
 */
import { InvalidArgumentError } from "../errors/index.ts";
import { Box2I } from "./box.ts";

/** The box `value` names; anything else is an InvalidArgumentError naming `what` took it. */
export function parseBoxCorners(value: string, what = "--bbox"): Box2I {
  const parts = value.split(",").map((p) => Number(p.trim()));
  if (
    parts.length !== 4 ||
    !parts.every(Number.isInteger) ||
    parts[2]! < parts[0]! ||
    parts[3]! < parts[1]!
  ) {
    throw new InvalidArgumentError(
      `${what} takes x0,y0,x1,y1: inclusive integer corners with x1 >= x0 and y1 >= y0; got '${value}'`,
    );
  }
  const [x0, y0, x1, y1] = parts as [number, number, number, number];
  return Box2I.fromXYWH(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
}
