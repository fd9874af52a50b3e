/**
 * The dataset page's data: what the registry knows (type, run, id, data ID, URI, storage class and
 * components) and short summaries of the small components an exposure carries: bbox, WCS (centre,
 * corners, pixel scale), visitInfo and photoCalib, each read on its own (header or archive rows only).
 */
import type { Butler } from "../butler/index.ts";
import type { DatasetRef } from "../core/index.ts";
import { DatasetNotFoundError, isButlerError } from "../errors/index.ts";
import type { Header } from "../fits/header.ts";
import type { Box2I } from "../image/box.ts";
import type { PhotoCalib } from "../image/photo-calib.ts";
import type { SkyWcs } from "../image/sky-wcs.ts";
import type { VisitInfo } from "../image/visit-info.ts";
import { jsonSafe } from "./http.ts";

export async function findRef(butler: Butler, id: string): Promise<DatasetRef> {
  const ref = await butler.registry.getDataset(id);
  if (ref === null) throw new DatasetNotFoundError(id);
  return ref;
}

/** A component of the dataset, or undefined when its storage class has none of that name or it is absent. */
export async function component<T>(butler: Butler, ref: DatasetRef, name: string): Promise<T | undefined> {
  const storageClass = butler.storageClasses.get(ref.datasetType.storageClass);
  if (!storageClass.allComponents().includes(name)) return undefined;
  try {
    return (await butler.get(butler.componentRef(ref, name))) as T;
  } catch (err) {
    if (isButlerError(err, "MISSING_COMPONENT")) return undefined;
    throw err;
  }
}

function wcsSummary(wcs: SkyWcs, bbox: Box2I | undefined) {
  const summary: Record<string, unknown> = { text: String(wcs) };
  if (bbox === undefined) return summary;
  const { minX, minY, maxX, maxY } = bbox;
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  summary.centre = wcs.pixelToSky(cx, cy);
  summary.corners = (
    [
      [minX - 0.5, minY - 0.5],
      [maxX + 0.5, minY - 0.5],
      [maxX + 0.5, maxY + 0.5],
      [minX - 0.5, maxY + 0.5],
    ] as const
  ).map(([x, y]) => wcs.pixelToSky(x, y));
  summary.pixelScaleArcsec = wcs.pixelScale(cx, cy);
  return summary;
}

function visitInfoSummary(info: VisitInfo) {
  return jsonSafe({
    id: info.id,
    date: info.date === undefined ? undefined : String(info.date),
    exposureTime: info.exposureTime,
    darkTime: info.darkTime,
    boresightRaDec: info.boresightRaDec,
    boresightAzAlt: info.boresightAzAlt,
    boresightAirmass: info.boresightAirmass,
    boresightRotAngle: info.boresightRotAngle,
    rotType: info.rotType,
    instrumentLabel: info.instrumentLabel,
    observationType: info.observationType,
    scienceProgram: info.scienceProgram,
    object: info.object,
  });
}

export async function datasetSummary(butler: Butler, ref: DatasetRef) {
  const storageClass = butler.storageClasses.get(ref.datasetType.storageClass);
  const components = storageClass.allComponents().map((name) => ({
    name,
    storageClass: storageClass.componentStorageClass(name),
  }));
  const has = (name: string) => components.some((c) => c.name === name);
  const bbox = await component<Box2I>(butler, ref, "bbox");
  const wcs = await component<SkyWcs>(butler, ref, "wcs");
  const visitInfo = await component<VisitInfo>(butler, ref, "visitInfo");
  const photoCalib = await component<PhotoCalib>(butler, ref, "photoCalib");
  const expanded = await butler.registry.expandDataId(ref.dataId.toObject(), {
    dimensions: ref.datasetType.dimensions,
  });
  return {
    id: ref.id,
    run: ref.run,
    datasetType: ref.datasetType.name,
    storageClass: ref.datasetType.storageClass,
    dataId: jsonSafe(expanded.toJSON()),
    dimensions: [...ref.datasetType.dimensions.names],
    uri: await butler.getURI(ref),
    components,
    isImage: has("image") && has("mask") && has("variance"),
    bbox:
      bbox === undefined ? undefined : { minX: bbox.minX, minY: bbox.minY, maxX: bbox.maxX, maxY: bbox.maxY },
    wcs: wcs === undefined ? undefined : wcsSummary(wcs, bbox),
    visitInfo: visitInfo === undefined ? undefined : visitInfoSummary(visitInfo),
    photoCalib:
      photoCalib === undefined
        ? undefined
        : {
            calibrationMean: photoCalib.calibrationMean,
            calibrationErr: photoCalib.calibrationErr,
            isConstant: photoCalib.isConstant,
            text: String(photoCalib),
          },
  };
}

/** The primary header, as cards; read alone (the `metadata` component is one ranged read). */
export async function headerCards(butler: Butler, ref: DatasetRef) {
  const header = await component<Header>(butler, ref, "metadata");
  if (header === undefined) return [];
  return header.cards
    .filter((c) => c.key !== "")
    .map((c) => jsonSafe({ key: c.key, value: c.value ?? null, comment: c.comment ?? "" }));
}
