/**
 * The index of a butler zip export (`_butler_zip_index.json`, index version V1): the dataset types
 * and refs the zip holds, and which datasets each artifact in the zip belongs to.
 */
import { normalizeUuid } from "../../core/index.ts";
import { ExportFormatError } from "../../errors/index.ts";
import type { ExportDataId } from "./export-format.ts";

export interface ZipDatasetType {
  readonly name: string;
  readonly storageClass: string;
  readonly dimensions: readonly string[];
  readonly parentStorageClass: string | null;
  readonly isCalibration: boolean;
}

export interface ZipRef {
  readonly id: string;
  readonly datasetType: string;
  readonly run: string;
  readonly dataId: ExportDataId;
}

export interface ZipArtifact {
  /** The artifact's path inside the zip. */
  readonly pathInZip: string;
  /** The path or URI the datastore recorded. */
  readonly path: string;
  readonly formatter: string;
  readonly storageClass: string;
  /** For a disassembled composite: the component this file holds. */
  readonly component: string | null;
  readonly checksum: string | null;
  readonly fileSize: number | null;
  readonly ids: readonly string[];
}

export interface ZipIndex {
  readonly indexVersion: string;
  readonly containerVersion: string;
  readonly universeVersion: number;
  readonly universeNamespace: string;
  readonly datasetTypes: readonly ZipDatasetType[];
  readonly refs: readonly ZipRef[];
  readonly artifacts: readonly ZipArtifact[];
}

/** Parses the JSON text of a zip index; problems are ExportFormatErrors naming the JSON path. */
export function parseZipIndex(text: string): ZipIndex {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    throw new ExportFormatError("syntax", `zip index is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const top = obj(root, "$");
  const indexVersion = str(top["index_version"], "$.index_version");
  if (indexVersion !== "V1") {
    throw new ExportFormatError("version", `unsupported zip index version '${indexVersion}'; accepted: V1`, {
      path: "$.index_version",
    });
  }
  const refs = obj(top["refs"], "$.refs");
  const types = obj(refs["dataset_types"], "$.refs.dataset_types");
  const compact = obj(refs["compact_refs"], "$.refs.compact_refs");
  const artifacts = obj(top["artifact_map"], "$.artifact_map");
  return {
    indexVersion,
    containerVersion: str(refs["container_version"], "$.refs.container_version"),
    universeVersion: int(refs["universe_version"], "$.refs.universe_version"),
    universeNamespace: str(refs["universe_namespace"], "$.refs.universe_namespace"),
    datasetTypes: Object.entries(types).map(([name, raw]) => {
      const at = `$.refs.dataset_types.${name}`;
      const t = obj(raw, at);
      return {
        name: str(t["name"], `${at}.name`),
        storageClass: str(t["storageClass"], `${at}.storageClass`),
        dimensions: list(t["dimensions"], `${at}.dimensions`).map((d, i) => str(d, `${at}.dimensions[${i}]`)),
        parentStorageClass: optStr(t["parentStorageClass"], `${at}.parentStorageClass`),
        isCalibration: bool(t["isCalibration"], `${at}.isCalibration`),
      };
    }),
    refs: Object.entries(compact).map(([id, raw]) => {
      const at = `$.refs.compact_refs.${id}`;
      const r = obj(raw, at);
      const dataId = obj(r["data_id"], `${at}.data_id`);
      for (const [k, v] of Object.entries(dataId)) {
        if (typeof v !== "string" && !Number.isSafeInteger(v)) {
          throw new ExportFormatError("dataId", "data ID values must be strings or integers", {
            path: `${at}.data_id.${k}`,
          });
        }
      }
      return {
        id: uuid(id, at),
        datasetType: str(r["dataset_type_name"], `${at}.dataset_type_name`),
        run: str(r["run"], `${at}.run`),
        dataId: dataId as ExportDataId,
      };
    }),
    artifacts: Object.entries(artifacts).map(([pathInZip, raw]) => {
      const at = `$.artifact_map[${JSON.stringify(pathInZip)}]`;
      const a = obj(raw, at);
      const info = obj(a["info"], `${at}.info`);
      const size = info["file_size"];
      return {
        pathInZip,
        path: str(info["path"], `${at}.info.path`),
        formatter: str(info["formatter"], `${at}.info.formatter`),
        storageClass: str(info["storage_class"], `${at}.info.storage_class`),
        component: optStr(info["component"], `${at}.info.component`),
        checksum: optStr(info["checksum"], `${at}.info.checksum`),
        fileSize: size === null || size === undefined ? null : int(size, `${at}.info.file_size`),
        ids: list(a["ids"], `${at}.ids`).map((id, i) => uuid(id, `${at}.ids[${i}]`)),
      };
    }),
  };
}

function fail(expected: string, value: unknown, path: string): ExportFormatError {
  return new ExportFormatError(
    "structure",
    `expected ${expected}, got ${JSON.stringify(value) ?? "nothing"}`,
    {
      path,
    },
  );
}

function obj(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw fail("an object", value, path);
  return value as Record<string, unknown>;
}

function list(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw fail("an array", value, path);
  return value;
}

function str(value: unknown, path: string): string {
  if (typeof value !== "string") throw fail("a string", value, path);
  return value;
}

function optStr(value: unknown, path: string): string | null {
  return value === null || value === undefined ? null : str(value, path);
}

function int(value: unknown, path: string): number {
  if (!Number.isSafeInteger(value)) throw fail("an integer", value, path);
  return value as number;
}

function bool(value: unknown, path: string): boolean {
  if (typeof value !== "boolean") throw fail("true or false", value, path);
  return value;
}

function uuid(value: unknown, path: string): string {
  try {
    return normalizeUuid(str(value, path));
  } catch (err) {
    if (err instanceof ExportFormatError) throw err;
    throw new ExportFormatError("value", `bad dataset ID: ${(err as Error).message}`, { path, cause: err });
  }
}
