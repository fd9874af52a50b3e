/**
 * A detector summary: afw writes the detector's name and serial into the primary header
 * (`DETNAME`, `DETSER`); the numeric id is only in the archived Detector (first row, `id` column).
 * The Detector object itself stays an opaque archive object.
 */
import { type ArchiveObject, columnValues } from "./archive-types.ts";

export interface DetectorSummary {
  name?: string;
  serial?: string;
  /** The detector id, when the file archives the Detector. */
  id?: number;
}

/** The id of an archived Detector (first catalog's `id` column); undefined when absent. */
export function detectorIdOf(object: ArchiveObject): number | undefined {
  const catalog = object.catalogs[0];
  if (object.name !== "Detector" || catalog === undefined || catalog.nrows < 1) return undefined;
  const ids = columnValues(catalog, "id") as ArrayLike<number | bigint> | undefined;
  return ids === undefined || ids.length === 0 ? undefined : Number(ids[0]);
}

export function detectorSummariesEqual(
  a: DetectorSummary | undefined,
  b: DetectorSummary | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.name === b.name && a.serial === b.serial && a.id === b.id;
}
