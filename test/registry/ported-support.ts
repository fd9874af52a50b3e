/**
 * Helpers for the tests that port daf_butler's registry and query test suites onto our registry:
 * importing the peer export files for real and comparing results by their keys.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { DataCoordinate, DatasetRef, DatasetType } from "../../src/core/index.ts";
import { EmptyQueryResultError } from "../../src/errors/index.ts";
import type { Registry } from "../../src/registry/index.ts";
import { importExport, parseExport } from "../../src/registry/interchange/index.ts";
import { peerFile } from "../sphgeom/peer-data.ts";

/** The peer export files these tests read; a missing one skips the suites that need it. */
export const PORTED_FILES = [
  "base.yaml",
  "datasets.yaml",
  "spatial.yaml",
  "hsc-rc2-subset.yaml",
  "ci_hsc-subset.yaml",
] as const;

/** A skip reason when any of `files` is missing, else false. */
export function missingPeer(...files: string[]): string | false {
  const absent = files.filter((f) => peerFile(f) === undefined);
  return absent.length > 0 ? `peer data missing: ${absent.join(", ")}` : false;
}

/**
 * Imports the export files in order, as daf_butler's loadData does; dataset types defined by an
 * earlier file are known to the later ones.
 */
export async function loadPeer(registry: Registry, ...files: string[]): Promise<DatasetType[]> {
  return loadPeerAfter(registry, [], ...files);
}

/** `loadPeer` for files whose dataset types an earlier import (returning `known`) defined. */
export async function loadPeerAfter(
  registry: Registry,
  known: readonly DatasetType[],
  ...files: string[]
): Promise<DatasetType[]> {
  let datasetTypes: DatasetType[] = [...known];
  for (const file of files) {
    const path = peerFile(file);
    if (path === undefined) throw new Error(`peer data file ${file} is missing`);
    const summary = await importExport(registry, parseExport(readFileSync(path, "utf8")), {
      datasetTypes,
      withoutDatastore: true,
    });
    datasetTypes = [...datasetTypes, ...summary.datasetTypes];
  }
  return datasetTypes;
}

/** Tuples of the named data ID values, in result order. */
export function keysOf(dataIds: readonly DataCoordinate[], names: readonly string[]): unknown[][] {
  return dataIds.map((d) => names.map((n) => d.get(n)));
}

/** Sorted `instrument/detector`-style keys of data IDs, for order-free comparison. */
export function dataIdKeys(dataIds: readonly DataCoordinate[]): string[] {
  return dataIds.map((d) => d.key).sort();
}

/** Sorted dataset ids. */
export function idsOf(refs: readonly (DatasetRef | null)[]): string[] {
  return refs.map((r) => (r === null ? "null" : r.id)).sort();
}

/** One value of each data ID, sorted and de-duplicated. */
export function valuesOf(dataIds: readonly DataCoordinate[], name: string): unknown[] {
  const set = new Set(dataIds.map((d) => d.get(name)));
  return [...set].sort((a, b) => (a! < b! ? -1 : a! > b! ? 1 : 0));
}

/** Runs a query with `explain: true` and returns the reasons of the EmptyQueryResultError it throws. */
export async function emptyReasons(run: () => Promise<unknown>): Promise<readonly string[]> {
  try {
    await run();
  } catch (err) {
    if (err instanceof EmptyQueryResultError) return err.reasons;
    throw err;
  }
  assert.fail("the query found something; an EmptyQueryResultError was expected");
}

/** Asserts that some reason mentions every snippet. */
export function assertExplains(reasons: readonly string[], ...snippets: string[]): void {
  assert.ok(
    reasons.some((r) => snippets.every((s) => r.includes(s))),
    `no reason mentions all of ${JSON.stringify(snippets)}: ${JSON.stringify(reasons)}`,
  );
}
