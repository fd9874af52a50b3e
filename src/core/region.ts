/**
 * Placeholder for a sky region from `src/sphgeom/` (ConvexPolygon, Circle, …), which core does not
 * depend on yet: any non-null object. Core only stores and passes regions; it never inspects them.
 */
export type RegionLike = object;
