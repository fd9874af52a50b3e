/**
 * The sky page's data: the footprints the registry holds for a selection of datasets — their visits,
 * the visit-detector regions (each linked to its dataset), and the tracts and patches that overlap —
 * as lists of (RA, Dec) vertices. The page projects them onto a tangent plane around the selection.
 */
import type { FastifyInstance } from "fastify";
import type { Butler } from "../butler/index.ts";
import type { DatasetRef } from "../core/index.ts";
import { ConvexPolygon, LonLat } from "../sphgeom/index.ts";
import { integer, list, type RepoRequest, required, type WebPluginOptions, withRepository } from "./http.ts";

/** Datasets drawn at most; a larger selection shows its first ones and says so. */
const MAX_DATASETS = 2000;

export interface Footprint {
  kind: "visit" | "detector" | "tract" | "patch";
  label: string;
  /** [ra, dec] degrees, in the region's order. */
  vertices: [number, number][];
  dataId: Record<string, unknown>;
  datasetId?: string;
}

function vertices(region: unknown): [number, number][] | undefined {
  if (!(region instanceof ConvexPolygon)) return undefined;
  return region.vertices.map((v) => {
    const p = LonLat.fromVector(v);
    return [p.lonDegrees, p.latDegrees];
  });
}

function key(values: readonly unknown[]): string {
  return values.map(String).join("/");
}

async function footprints(butler: Butler, request: RepoRequest) {
  const datasetType = required(request, "datasetType");
  const collections = list(request, "collections");
  const where = request.query.where ?? "";
  const limit = integer(request, "limit", MAX_DATASETS, 1, MAX_DATASETS);
  const searched = collections.length > 0 ? collections : [...butler.collections];
  const refs: DatasetRef[] = await butler.registry.queryDatasets(datasetType, {
    collections: searched.length > 0 ? searched : "*",
    findFirst: searched.length > 0 && !searched.some((c) => /[*?[]/.test(c)),
    ...(where.trim() === "" ? {} : { where }),
    limit: limit + 1,
  });
  const shown = refs.slice(0, limit);
  const out: Footprint[] = [];
  const dims = new Set(shown[0]?.datasetType.dimensions.names ?? []);
  const wanted = (names: readonly string[]) => {
    const keys = new Map<string, DatasetRef>();
    for (const ref of shown) keys.set(key(names.map((n) => ref.dataId.get(n))), ref);
    return keys;
  };
  if (dims.has("visit")) {
    const visits = wanted(["instrument", "visit"]);
    for (const record of await butler.registry.queryDimensionRecords("visit")) {
      const ref = visits.get(key([record.instrument, record.id]));
      const v = vertices(record.region);
      if (ref === undefined || v === undefined) continue;
      out.push({
        kind: "visit",
        label: `visit ${record.id}`,
        vertices: v,
        dataId: { instrument: record.instrument, visit: record.id },
      });
    }
  }
  if (dims.has("visit") && dims.has("detector")) {
    const detectors = wanted(["instrument", "visit", "detector"]);
    for (const record of await butler.registry.queryDimensionRecords("visit_detector_region")) {
      const ref = detectors.get(key([record.instrument, record.visit, record.detector]));
      const v = vertices(record.region);
      if (ref === undefined || v === undefined) continue;
      out.push({
        kind: "detector",
        label: `visit ${record.visit} detector ${record.detector}`,
        vertices: v,
        dataId: { instrument: record.instrument, visit: record.visit, detector: record.detector },
        datasetId: ref.id,
      });
    }
  }
  const near = nearSelection(out);
  const byPatch = dims.has("patch") ? wanted(["skymap", "tract", "patch"]) : undefined;
  for (const element of ["tract", "patch"] as const) {
    for (const record of await butler.registry.queryDimensionRecords(element)) {
      const v = vertices(record.region);
      if (v === undefined || !near(v)) continue;
      const dataId =
        element === "tract"
          ? { skymap: record.skymap, tract: record.id }
          : { skymap: record.skymap, tract: record.tract, patch: record.id };
      const ref =
        element === "patch" ? byPatch?.get(key([record.skymap, record.tract, record.id])) : undefined;
      out.push({
        kind: element,
        label: element === "tract" ? `tract ${record.id}` : `tract ${record.tract} patch ${record.id}`,
        vertices: v,
        dataId,
        ...(ref === undefined ? {} : { datasetId: ref.id }),
      });
    }
  }
  return {
    datasetType,
    collections: searched,
    datasets: shown.length,
    truncated: refs.length > limit,
    footprints: out,
  };
}

/** Whether a footprint's RA/Dec box meets the selection's (grown by a margin); everything when empty. */
function nearSelection(selection: readonly Footprint[]): (v: [number, number][]) => boolean {
  if (selection.length === 0) return () => true;
  const margin = 0.5;
  const all = selection.flatMap((f) => f.vertices);
  const [ra0, ra1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  const [dec0, dec1] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  return (v) =>
    v.some(
      ([ra, dec]) => ra >= ra0 - margin && ra <= ra1 + margin && dec >= dec0 - margin && dec <= dec1 + margin,
    ) ||
    (Math.min(...v.map((p) => p[0])) <= ra0 && Math.max(...v.map((p) => p[0])) >= ra1);
}

export function skyRoutes(app: FastifyInstance, options: WebPluginOptions): void {
  app.get("/web/api/:name/sky", { config: { access: "read" } }, (request, reply) =>
    withRepository(options, request as RepoRequest, reply, (butler) =>
      footprints(butler, request as RepoRequest),
    ),
  );
}
