/**
 * The validity time of a calibration lookup given no timespan, found as daf_butler finds it: the
 * timespan of the temporal dimensions (exposure, visit …) the data ID names beyond the calibration's
 * own, so `bias` with `exposure=…` is the bias certified for that exposure. A data ID naming none
 * searches every validity range.
 */
import { type DataIdInput, type DatasetType, Timespan } from "../core/index.ts";
import type { Registry } from "../registry/index.ts";
import { dataIdObject } from "./resolve.ts";

export async function calibrationTimespan(
  registry: Registry,
  type: DatasetType,
  dataId: DataIdInput | null | undefined,
): Promise<Timespan> {
  const given = dataIdObject(dataId);
  const universe = type.dimensions.universe;
  const temporal = Object.keys(given).filter(
    (name) =>
      universe.hasDimension(name) &&
      !type.dimensions.has(name) &&
      universe.getDimension(name).temporal !== null,
  );
  if (temporal.length === 0) return Timespan.UNBOUNDED;
  const group = universe.conform(temporal);
  const keys = Object.fromEntries(group.required.map((d) => [d, given[d]]));
  const expanded = await registry.expandDataId(keys, { dimensions: group });
  return expanded.timespan ?? Timespan.UNBOUNDED;
}
