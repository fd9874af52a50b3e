import { InvalidDatasetIdError } from "../errors/index.ts";
import type { DataCoordinate } from "./data-coordinate.ts";
import { uuid5, uuid7 } from "./uuid.ts";

/** How a new dataset's UUID is made. The numbers are daf_butler's. */
export class DatasetIdGenEnum {
  /** A fresh time-ordered random UUID (v7): a new dataset every time. */
  static readonly UNIQUE = new DatasetIdGenEnum("UNIQUE", 0);
  /** UUIDv5 of dataset type and data ID: the same dataset in every run (e.g. raws ingested twice). */
  static readonly DATAID_TYPE = new DatasetIdGenEnum("DATAID_TYPE", 1);
  /** UUIDv5 of dataset type, run and data ID: reproducible within one run. */
  static readonly DATAID_TYPE_RUN = new DatasetIdGenEnum("DATAID_TYPE_RUN", 2);
  static readonly all: readonly DatasetIdGenEnum[] = Object.freeze([
    DatasetIdGenEnum.UNIQUE,
    DatasetIdGenEnum.DATAID_TYPE,
    DatasetIdGenEnum.DATAID_TYPE_RUN,
  ]);

  readonly name: "UNIQUE" | "DATAID_TYPE" | "DATAID_TYPE_RUN";
  readonly value: number;

  private constructor(name: DatasetIdGenEnum["name"], value: number) {
    this.name = name;
    this.value = value;
    Object.freeze(this);
  }

  /** The mode with that name, in any case (as `--id-generation-mode` takes it). */
  static fromName(name: string): DatasetIdGenEnum {
    const found = DatasetIdGenEnum.all.find((m) => m.name === String(name).toUpperCase());
    if (found === undefined) {
      throw new InvalidDatasetIdError(
        `unknown dataset ID generation mode ${JSON.stringify(name)}; accepted: ${DatasetIdGenEnum.all.map((m) => m.name).join(", ")}`,
      );
    }
    return found;
  }

  toString(): string {
    return this.name;
  }

  toJSON(): string {
    return this.name;
  }
}

/** Namespace of deterministic dataset IDs: uuid5(DNS, "lsst.org"), shared with daf_butler. */
export const DATASET_ID_NAMESPACE = "840b31d9-05cd-5161-b2c8-00d32b280d0f";

/**
 * A new dataset ID. The deterministic modes hash `dataset_type=<name>`, then `run=<run>` (RUN mode
 * only), then the required data ID values sorted by dimension name, as `key=value` joined by commas,
 * so they reproduce daf_butler's IDs exactly.
 */
export function makeDatasetId(
  run: string,
  datasetTypeName: string,
  dataId: DataCoordinate,
  mode: DatasetIdGenEnum = DatasetIdGenEnum.UNIQUE,
): string {
  if (mode === DatasetIdGenEnum.UNIQUE) return uuid7();
  return uuid5(DATASET_ID_NAMESPACE, datasetIdName(run, datasetTypeName, dataId, mode));
}

/** The string a deterministic mode hashes (exposed so tests and tools can show it). */
export function datasetIdName(
  run: string,
  datasetTypeName: string,
  dataId: DataCoordinate,
  mode: DatasetIdGenEnum,
): string {
  const items: [string, string][] = [["dataset_type", datasetTypeName]];
  if (mode === DatasetIdGenEnum.DATAID_TYPE_RUN) items.push(["run", run]);
  const required = Object.entries(dataId.requiredObject()).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [dimension, value] of required) items.push([dimension, String(value)]);
  return items.map(([key, value]) => `${key}=${value}`).join(",");
}
