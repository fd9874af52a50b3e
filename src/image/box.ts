/**
 * `Box2I`: an integer pixel box with afw's conventions. Corners are inclusive (`maxX` is the last
 * column inside), `endX` is one past it, and an empty box has minimum (0, 0) and dimensions (0, 0).
 * Boxes are immutable: `shift`, `intersection` and friends return new boxes.
 */
import { InvalidArgumentError } from "../errors/index.ts";
import { Extent2I, Point2I } from "./point.ts";

/** Which coordinate system a box or position is given in: PARENT includes xy0, LOCAL is relative to it. */
export type Origin = "PARENT" | "LOCAL";

export class Box2I {
  readonly #minX: number;
  readonly #minY: number;
  readonly #width: number;
  readonly #height: number;

  /**
   * A box from its minimum corner and dimensions. With `invert` (afw's default), negative dimensions
   * extend the box the other way from the corner; a zero or (without `invert`) negative dimension
   * gives the empty box.
   */
  constructor(minimum: Point2I, dimensions: Extent2I, invert = true) {
    let { x, y } = minimum;
    let w = dimensions.x;
    let h = dimensions.y;
    if (invert) {
      if (w < 0) {
        x += w + 1;
        w = -w;
      }
      if (h < 0) {
        y += h + 1;
        h = -h;
      }
    }
    if (w <= 0 || h <= 0) {
      this.#minX = 0;
      this.#minY = 0;
      this.#width = 0;
      this.#height = 0;
    } else {
      this.#minX = x;
      this.#minY = y;
      this.#width = w;
      this.#height = h;
    }
  }

  /** The box whose inclusive corners are (x0, y0) and (x1, y1), in either order. */
  static fromCorners(x0: number, y0: number, x1: number, y1: number): Box2I {
    return Box2I.fromMinMax(new Point2I(x0, y0), new Point2I(x1, y1));
  }

  /** The box from inclusive minimum and maximum corners; reversed corners are swapped, as afw does. */
  static fromMinMax(minimum: Point2I, maximum: Point2I): Box2I {
    const x = Math.min(minimum.x, maximum.x);
    const y = Math.min(minimum.y, maximum.y);
    const w = Math.abs(maximum.x - minimum.x) + 1;
    const h = Math.abs(maximum.y - minimum.y) + 1;
    return new Box2I(new Point2I(x, y), new Extent2I(w, h));
  }

  /** The box at (x, y) with the given width and height. */
  static fromXYWH(x: number, y: number, width: number, height: number): Box2I {
    return new Box2I(new Point2I(x, y), new Extent2I(width, height), false);
  }

  static empty(): Box2I {
    return new Box2I(new Point2I(0, 0), new Extent2I(0, 0));
  }

  get minX(): number {
    return this.#minX;
  }
  get minY(): number {
    return this.#minY;
  }
  /** Last column inside the box (inclusive); minX − 1 for an empty box. */
  get maxX(): number {
    return this.#minX + this.#width - 1;
  }
  get maxY(): number {
    return this.#minY + this.#height - 1;
  }
  /** One past the last column (exclusive end). */
  get endX(): number {
    return this.#minX + this.#width;
  }
  get endY(): number {
    return this.#minY + this.#height;
  }
  get width(): number {
    return this.#width;
  }
  get height(): number {
    return this.#height;
  }
  get area(): number {
    return this.#width * this.#height;
  }
  get minimum(): Point2I {
    return new Point2I(this.#minX, this.#minY);
  }
  get maximum(): Point2I {
    return new Point2I(this.maxX, this.maxY);
  }
  get dimensions(): Extent2I {
    return new Extent2I(this.#width, this.#height);
  }

  isEmpty(): boolean {
    return this.#width === 0;
  }

  /** Whether a point, or every pixel of a box, is inside (an empty box is inside every box). */
  contains(other: Point2I | Box2I): boolean {
    if (other instanceof Point2I) {
      return other.x >= this.#minX && other.x <= this.maxX && other.y >= this.#minY && other.y <= this.maxY;
    }
    if (other.isEmpty()) return true;
    return (
      other.minX >= this.#minX &&
      other.maxX <= this.maxX &&
      other.minY >= this.#minY &&
      other.maxY <= this.maxY
    );
  }

  /** Whether the two boxes share at least one pixel. */
  overlaps(other: Box2I): boolean {
    if (this.isEmpty() || other.isEmpty()) return false;
    return (
      other.minX <= this.maxX &&
      other.maxX >= this.#minX &&
      other.minY <= this.maxY &&
      other.maxY >= this.#minY
    );
  }

  /** The pixels in both boxes (empty when they do not overlap). */
  intersection(other: Box2I): Box2I {
    if (!this.overlaps(other)) return Box2I.empty();
    return Box2I.fromCorners(
      Math.max(this.#minX, other.minX),
      Math.max(this.#minY, other.minY),
      Math.min(this.maxX, other.maxX),
      Math.min(this.maxY, other.maxY),
    );
  }

  /** The smallest box holding both (the other box when one is empty). */
  union(other: Box2I): Box2I {
    if (this.isEmpty()) return other;
    if (other.isEmpty()) return this;
    return Box2I.fromCorners(
      Math.min(this.#minX, other.minX),
      Math.min(this.#minY, other.minY),
      Math.max(this.maxX, other.maxX),
      Math.max(this.maxY, other.maxY),
    );
  }

  /** This box moved by `offset` (an empty box stays empty, as in afw). */
  shift(offset: Extent2I): Box2I {
    if (this.isEmpty()) return this;
    return Box2I.fromXYWH(this.#minX + offset.x, this.#minY + offset.y, this.#width, this.#height);
  }

  /** This box grown by `amount` pixels on every side (negative shrinks). */
  grow(amount: number): Box2I {
    if (this.isEmpty()) return this;
    return Box2I.fromXYWH(
      this.#minX - amount,
      this.#minY - amount,
      this.#width + 2 * amount,
      this.#height + 2 * amount,
    );
  }

  equals(other: Box2I): boolean {
    return (
      this.#minX === other.minX &&
      this.#minY === other.minY &&
      this.#width === other.width &&
      this.#height === other.height
    );
  }

  /** As afw's repr: `Box2I(minimum=Point2I(0, 0), dimensions=Extent2I(64, 32))`. */
  toString(): string {
    return `Box2I(minimum=${this.minimum.toString()}, dimensions=${this.dimensions.toString()})`;
  }

  toJSON(): { minX: number; minY: number; width: number; height: number } {
    return { minX: this.#minX, minY: this.#minY, width: this.#width, height: this.#height };
  }
}

/**
 * A box given in `origin` coordinates as a PARENT box: LOCAL boxes are relative to `xy0`.
 */
export function toParentBox(box: Box2I, origin: Origin, xy0: Point2I): Box2I {
  if (origin === "PARENT") return box;
  if (origin !== "LOCAL") {
    throw new InvalidArgumentError(`origin must be "PARENT" or "LOCAL", got ${JSON.stringify(origin)}`);
  }
  return box.shift(new Extent2I(xy0.x, xy0.y));
}

/**
 * A PARENT `box` checked to lie inside `bounds` (the image's PARENT box); the error names both boxes
 * and the origin the caller used, so a LOCAL/PARENT mix-up is easy to see.
 */
export function checkInside(box: Box2I, bounds: Box2I, origin: Origin = "PARENT"): void {
  if (box.isEmpty() || !bounds.contains(box)) {
    throw new InvalidArgumentError(
      `bbox ${box.toString()} (PARENT coordinates, given as ${origin}) is ${box.isEmpty() ? "empty" : "not inside"} the image's ${bounds.toString()}`,
    );
  }
}
