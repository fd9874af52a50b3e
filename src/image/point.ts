/**
 * Integer points and extents in pixel coordinates, as afw's `lsst.geom.Point2I` and `Extent2I`:
 * a point is a position, an extent a size or an offset between two points.
 */
import { InvalidArgumentError } from "../errors/index.ts";

function checkInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value))
    throw new InvalidArgumentError(`${what} must be an integer, got ${value}`);
}

export class Point2I {
  readonly x: number;
  readonly y: number;

  constructor(x: number, y: number) {
    checkInteger(x, "Point2I x");
    checkInteger(y, "Point2I y");
    this.x = x;
    this.y = y;
  }

  /** This point moved by `offset`. */
  plus(offset: Extent2I): Point2I {
    return new Point2I(this.x + offset.x, this.y + offset.y);
  }

  /** The offset from `other` to this point. */
  minus(other: Point2I): Extent2I {
    return new Extent2I(this.x - other.x, this.y - other.y);
  }

  equals(other: Point2I): boolean {
    return this.x === other.x && this.y === other.y;
  }

  /** As afw's repr: `Point2I(3, 4)`. */
  toString(): string {
    return `Point2I(${this.x}, ${this.y})`;
  }
}

export class Extent2I {
  readonly x: number;
  readonly y: number;

  constructor(x: number, y: number) {
    checkInteger(x, "Extent2I x");
    checkInteger(y, "Extent2I y");
    this.x = x;
    this.y = y;
  }

  equals(other: Extent2I): boolean {
    return this.x === other.x && this.y === other.y;
  }

  /** As afw's repr: `Extent2I(64, 32)`. */
  toString(): string {
    return `Extent2I(${this.x}, ${this.y})`;
  }
}
