/**
 * The Hierarchical Triangular Mesh. Level 0 is the octahedron's 8 faces, S0–S3 (ids 8–11) and
 * N0–N3 (ids 12–15); each trixel (v0, v1, v2) splits at its edge midpoints w0 = mid(v1, v2),
 * w1 = mid(v0, v2), w2 = mid(v0, v1) into children id·4 + k:
 *   0: (v0, w2, w1)   1: (v1, w0, w2)   2: (v2, w1, w0)   3: (w0, w1, w2)
 * so a level-L id has 4 + 2L bits. Midpoints are normalize(a + b), computed identically by
 * index(), triangle() and the range builders.
 *
 * index(v) descends with the exact orientation predicate. Points exactly on a boundary go to one
 * side by fixed rules: z ≥ 0 is north; on a root meridian the trixel to the east; inside a trixel
 * the corner children win ties against the centre child, in order 0, 1, 2.
 */
import { InvalidArgumentError } from "../errors/index.ts";
import { ConvexPolygon } from "./convex-polygon.ts";
import { orientation } from "./orientation.ts";
import { appendRange, type PixelRange, simplifyRanges } from "./ranges.ts";
import type { Region } from "./region.ts";
import {
  type PaddedTrixel,
  prepareTrixelTest,
  TRIXEL_INSIDE,
  TRIXEL_OUTSIDE,
  type TrixelTest,
} from "./trixel-relation.ts";
import { midpoint, UnitVector3d } from "./vector3d.ts";

export const HTM_MAX_LEVEL = 24;

type Triangle = [UnitVector3d, UnitVector3d, UnitVector3d];

const X = UnitVector3d.X;
const Y = UnitVector3d.Y;
const Z = UnitVector3d.Z;
const NX = X.negate();
const NY = Y.negate();
const NZ = Z.negate();

/** Root trixels by id − 8: S0, S1, S2, S3, N0, N1, N2, N3. */
const ROOTS: readonly Triangle[] = [
  [X, NZ, Y],
  [Y, NZ, NX],
  [NX, NZ, NY],
  [NY, NZ, X],
  [X, Z, NY],
  [NY, Z, NX],
  [NX, Z, Y],
  [Y, Z, X],
];

/** How far trixel vertices are pushed outward before relating a trixel to a region (radians). */
const PAD = 4e-11;

export class HtmPixelization {
  static readonly MAX_LEVEL = HTM_MAX_LEVEL;
  readonly level: number;

  constructor(level: number) {
    if (!Number.isInteger(level) || level < 0 || level > HTM_MAX_LEVEL) {
      throw new InvalidArgumentError(`HTM level must be an integer in [0, ${HTM_MAX_LEVEL}], got ${level}`);
    }
    this.level = level;
  }

  /** The level of an HTM id, or −1 if `id` is not a valid HTM id (levels 0–24). */
  static levelOf(id: number): number {
    if (!Number.isSafeInteger(id) || id < 8) return -1;
    let level = 0;
    let x = id;
    while (x >= 16) {
      x = Math.floor(x / 4);
      level++;
    }
    return x >= 8 && level <= HTM_MAX_LEVEL ? level : -1;
  }

  /** The vertices (counter-clockwise) of trixel `id`, at any level. */
  static triangle(id: number): Triangle {
    const level = checkedLevel(id);
    const digits: number[] = [];
    let x = id;
    for (let l = 0; l < level; l++) {
      digits.push(x % 4);
      x = Math.floor(x / 4);
    }
    let tri = ROOTS[x - 8]!;
    for (let l = level - 1; l >= 0; l--) tri = child(tri, digits[l]!);
    return tri;
  }

  /** "N0123"-style name: root name then one digit per level. */
  static asString(id: number): string {
    const level = checkedLevel(id);
    let digits = "";
    let x = id;
    for (let l = 0; l < level; l++) {
      digits = String(x % 4) + digits;
      x = Math.floor(x / 4);
    }
    return `${x >= 12 ? "N" : "S"}${x % 4}${digits}`;
  }

  /** The parent of a trixel above level 0. */
  static parent(id: number): number {
    if (checkedLevel(id) === 0) throw new InvalidArgumentError(`HTM root trixel ${id} has no parent`);
    return Math.floor(id / 4);
  }

  /** The 4 children of a trixel below level 24. */
  static children(id: number): [number, number, number, number] {
    if (checkedLevel(id) === HTM_MAX_LEVEL)
      throw new InvalidArgumentError(`HTM trixel ${id} is at the finest level`);
    const base = id * 4;
    return [base, base + 1, base + 2, base + 3];
  }

  /** The vertices of trixel `id` (any level). */
  triangle(id: number): Triangle {
    return HtmPixelization.triangle(id);
  }

  /** Trixel `id` as a polygon. */
  pixel(id: number): ConvexPolygon {
    return ConvexPolygon.fromVertices(HtmPixelization.triangle(id));
  }

  /** Every id at this level: [8·4^L, 16·4^L). */
  universe(): PixelRange[] {
    const scale = 4 ** this.level;
    return [[8 * scale, 16 * scale]];
  }

  /** The id at this level of the trixel containing `v`. */
  index(v: UnitVector3d): number {
    let id = rootIndex(v);
    let [v0, v1, v2] = ROOTS[id - 8]!;
    for (let l = 0; l < this.level; l++) {
      const w0 = midpoint(v1, v2);
      const w1 = midpoint(v0, v2);
      const w2 = midpoint(v0, v1);
      if (orientation(w2, w1, v) >= 0) {
        id = id * 4;
        [v1, v2] = [w2, w1];
      } else if (orientation(w0, w2, v) >= 0) {
        id = id * 4 + 1;
        [v0, v1, v2] = [v1, w0, w2];
      } else if (orientation(w1, w0, v) >= 0) {
        id = id * 4 + 2;
        [v0, v1, v2] = [v2, w1, w0];
      } else {
        id = id * 4 + 3;
        [v0, v1, v2] = [w0, w1, w2];
      }
    }
    return id;
  }

  /**
   * Sorted, merged ranges of the ids at this level whose trixels may intersect `region`:
   * conservative (every point of the region has its index() inside), tight up to the trixels
   * within ~1e-11 rad of the region and, for boxes, exact cap geometry. With maxRanges > 0 the
   * smallest gaps are closed until at most that many ranges remain (still conservative).
   */
  envelope(region: Region, maxRanges = 0): PixelRange[] {
    return simplifyRanges(this.cover(region, false), maxRanges);
  }

  /** Sorted, merged ranges of the ids at this level whose trixels lie certainly inside `region`. */
  interior(region: Region): PixelRange[] {
    return this.cover(region, true);
  }

  private cover(region: Region, interiorOnly: boolean): [number, number][] {
    const test = prepareTrixelTest(region);
    const out: [number, number][] = [];
    for (let r = 0; r < 8; r++) this.visit(test, out, r + 8, ROOTS[r]!, 0, interiorOnly);
    return out;
  }

  private visit(
    test: TrixelTest,
    out: [number, number][],
    id: number,
    tri: Triangle,
    level: number,
    interiorOnly: boolean,
  ): void {
    const rel = test(padTrixel(tri));
    if (rel === TRIXEL_OUTSIDE) return;
    if (rel === TRIXEL_INSIDE) {
      const scale = 4 ** (this.level - level);
      appendRange(out, id * scale, (id + 1) * scale);
      return;
    }
    if (level === this.level) {
      if (!interiorOnly) appendRange(out, id, id + 1);
      return;
    }
    for (let k = 0; k < 4; k++) this.visit(test, out, id * 4 + k, child(tri, k), level + 1, interiorOnly);
  }
}

function checkedLevel(id: number): number {
  const level = HtmPixelization.levelOf(id);
  if (level < 0) throw new InvalidArgumentError(`${id} is not a valid HTM id`);
  return level;
}

/** The root trixel id (8–15) containing v. */
function rootIndex(v: UnitVector3d): number {
  // Quadrant of longitude: 0 for [0°, 90°), 1 for [90°, 180°), 2 for [180°, 270°), 3 for [270°, 360°).
  let q: number;
  if (v.x > 0 && v.y >= 0) q = 0;
  else if (v.x <= 0 && v.y > 0) q = 1;
  else if (v.x < 0 && v.y <= 0) q = 2;
  else if (v.x >= 0 && v.y < 0) q = 3;
  else q = 0; // a pole
  return v.z >= 0 ? 15 - q : 8 + q;
}

function child(tri: Triangle, k: number): Triangle {
  const [v0, v1, v2] = tri;
  switch (k) {
    case 0:
      return [v0, midpoint(v0, v1), midpoint(v0, v2)];
    case 1:
      return [v1, midpoint(v1, v2), midpoint(v0, v1)];
    case 2:
      return [v2, midpoint(v0, v2), midpoint(v1, v2)];
    default:
      return [midpoint(v1, v2), midpoint(v0, v2), midpoint(v0, v1)];
  }
}

/** The trixel with each vertex pushed PAD radians away from the centroid, and a circle around it. */
function padTrixel(tri: Triangle): PaddedTrixel {
  const [v0, v1, v2] = tri;
  const g = UnitVector3d.of(v0.x + v1.x + v2.x, v0.y + v1.y + v2.y, v0.z + v1.z + v2.z);
  const p0 = push(v0, g);
  const p1 = push(v1, g);
  const p2 = push(v2, g);
  // Radius from the largest chord |v − g| = 2 sin(θ/2).
  const chord = Math.sqrt(Math.max(chord2(p0, g), chord2(p1, g), chord2(p2, g)));
  const radius = 2 * Math.asin(Math.min(1, chord / 2));
  return { vertices: [p0, p1, p2], center: g, radius: radius * (1 + 1e-12) + 1e-15 };
}

function push(v: UnitVector3d, g: UnitVector3d): UnitVector3d {
  const dx = v.x - g.x;
  const dy = v.y - g.y;
  const dz = v.z - g.z;
  const s = PAD / Math.sqrt(dx * dx + dy * dy + dz * dz);
  return UnitVector3d.of(v.x + s * dx, v.y + s * dy, v.z + s * dz);
}

function chord2(a: UnitVector3d, b: UnitVector3d): number {
  const dx = a.x - b.x;
  const dy = a.y - b.y;
  const dz = a.z - b.z;
  return dx * dx + dy * dy + dz * dz;
}
