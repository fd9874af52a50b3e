/**
 * The shared daf_butler export files with real encoded regions, read in place (never copied into
 * the repository). Tests that need them skip with a message when the folder is missing.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { PEER_DATA as SHARED_PEER_DATA } from "../support/fixtures.ts";

export const PEER_DATA = resolve(process.env.BUTLER_PEER_DATA ?? SHARED_PEER_DATA);

export function peerFile(name: string): string | undefined {
  const path = join(PEER_DATA, name);
  return existsSync(path) ? path : undefined;
}

/** Every `encoded:` hex value in a file, in file order. */
export function encodedRegions(name: string): string[] {
  const path = peerFile(name);
  if (path === undefined) return [];
  return [...readFileSync(path, "utf8").matchAll(/encoded:\s*([0-9a-fA-F]+)/g)].map((m) => m[1]!);
}

export interface RegionRecord {
  element: string;
  record: Record<string, unknown>;
  hex: string;
}

/** Dimension records that carry a region, with the hex of their encoding. */
export function regionRecords(name: string): RegionRecord[] {
  const path = peerFile(name);
  if (path === undefined) return [];
  // Unknown tags (!butler_time, !<lsst.sphgeom.ConvexPolygon>) parse as their plain values.
  const doc = parse(readFileSync(path, "utf8"), { logLevel: "silent" }) as {
    data: { type: string; element?: string; records?: Record<string, unknown>[] }[];
  };
  const out: RegionRecord[] = [];
  for (const item of doc.data) {
    if (item.type !== "dimension" || item.records === undefined) continue;
    for (const record of item.records) {
      const region = record["region"] as { encoded?: string } | undefined;
      if (region?.encoded !== undefined) out.push({ element: item.element!, record, hex: region.encoded });
    }
  }
  return out;
}

/** daf_butler's YAML export files among the peer data. */
export const EXPORT_FILES: readonly string[] = [
  "base.yaml",
  "datasets.yaml",
  "spatial.yaml",
  "ci_hsc-subset.yaml",
  "ci_hsc-subset-skymap.yaml",
  "hsc-rc2-subset-v0.yaml",
  "hsc-rc2-subset.yaml",
  "lsstcam-subset.yaml",
];

/** A skip reason when the peer data is absent, else false. */
export const peerDataMissing: string | false =
  peerFile("base.yaml") === undefined ? `peer data not found at ${PEER_DATA}` : false;
