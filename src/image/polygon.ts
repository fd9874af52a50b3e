/**
 * `Polygon`: the valid-pixel polygon of an Exposure (afw.geom.Polygon), stored in the archive as one
 * row per vertex (`vertices_x`, `vertices_y`, PARENT pixel coordinates). afw repeats the first vertex
 * at the end; the vertices are kept exactly as stored.
 */
import { InvalidArgumentError } from "../errors/index.ts";
import { type ArchiveObject, ArchiveSchema, afwSchemaCards, columnValues } from "./archive-types.ts";

export class Polygon {
  readonly x: readonly number[];
  readonly y: readonly number[];

  constructor(x: readonly number[], y: readonly number[]) {
    if (x.length !== y.length)
      throw new InvalidArgumentError(`polygon has ${x.length} x but ${y.length} y values`);
    this.x = [...x];
    this.y = [...y];
  }

  get vertices(): { x: number; y: number }[] {
    return this.x.map((x, i) => ({ x, y: this.y[i]! }));
  }

  /** Whether (x, y) is inside (even-odd rule; points on an edge may go either way). */
  contains(x: number, y: number): boolean {
    let inside = false;
    const n = this.x.length;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const xi = this.x[i]!;
      const yi = this.y[i]!;
      const xj = this.x[j]!;
      const yj = this.y[j]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  equals(other: Polygon): boolean {
    return (
      this.x.length === other.x.length &&
      this.x.every((v, i) => Object.is(v, other.x[i])) &&
      this.y.every((v, i) => Object.is(v, other.y[i]))
    );
  }
}

const POLYGON_SCHEMA = new ArchiveSchema(
  [
    { name: "vertices_x", format: "1D", comment: "label for field" },
    { name: "vertices_y", format: "1D", comment: "label for field" },
  ],
  afwSchemaCards([
    { doc: "list of vertex points", cls: "Scalar" },
    { doc: "list of vertex points", cls: "Scalar" },
  ]),
);

export function decodePolygon(object: ArchiveObject): Polygon | undefined {
  const catalog = object.catalogs[0];
  if (object.name !== "Polygon" || catalog === undefined) return undefined;
  const x = columnValues(catalog, "vertices_x") as Float64Array | undefined;
  const y = columnValues(catalog, "vertices_y") as Float64Array | undefined;
  if (x === undefined || y === undefined) return undefined;
  return new Polygon(Array.from(x), Array.from(y));
}

export function encodePolygon(polygon: Polygon, id: number): ArchiveObject {
  return {
    id,
    name: "Polygon",
    module: "",
    catalogs: [
      {
        schema: POLYGON_SCHEMA,
        nrows: polygon.x.length,
        values: [Float64Array.from(polygon.x), Float64Array.from(polygon.y)],
      },
    ],
  };
}
