import { DatasetTypeError } from "../errors/index.ts";
import { validateCollectionName } from "./collection-type.ts";
import { DataCoordinate } from "./data-coordinate.ts";
import { DatasetIdGenEnum, makeDatasetId } from "./dataset-id.ts";
import { DatasetType, type DatasetTypeJson } from "./dataset-type.ts";
import type { DimensionUniverse } from "./dimensions/dimension-universe.ts";
import { normalizeUuid } from "./uuid.ts";

export interface DatasetRefOptions {
  /** The dataset's UUID; made with `idGenerationMode` when absent. */
  readonly id?: string;
  readonly idGenerationMode?: DatasetIdGenEnum;
}

export interface DatasetRefJson {
  readonly id: string;
  readonly run: string;
  readonly datasetType: DatasetTypeJson;
  readonly dataId: Record<string, string | number>;
}

/**
 * One dataset: its type, data ID, the RUN collection it was written to, and its UUID. Component refs
 * (`calexp.wcs`) share the parent's ID and run. Equality is on type, data ID and ID.
 */
export class DatasetRef {
  readonly datasetType: DatasetType;
  readonly dataId: DataCoordinate;
  readonly run: string;
  /** Lowercase canonical UUID string. */
  readonly id: string;

  constructor(
    datasetType: DatasetType,
    dataId: DataCoordinate,
    run: string,
    options: DatasetRefOptions = {},
  ) {
    if (!dataId.dimensions.equals(datasetType.dimensions)) {
      throw new DatasetTypeError(
        `data ID dimensions ${dataId.dimensions} do not match dataset type ${datasetType.name}'s ${datasetType.dimensions}`,
      );
    }
    this.datasetType = datasetType;
    this.dataId = dataId;
    this.run = validateCollectionName(run);
    this.id =
      options.id !== undefined
        ? normalizeUuid(options.id)
        : makeDatasetId(run, datasetType.name, dataId, options.idGenerationMode ?? DatasetIdGenEnum.UNIQUE);
    Object.freeze(this);
  }

  static fromJSON(json: DatasetRefJson, universe: DimensionUniverse): DatasetRef {
    const datasetType = DatasetType.fromJSON(json.datasetType, universe);
    const dataId = DataCoordinate.standardize(json.dataId, { dimensions: datasetType.dimensions });
    return new DatasetRef(datasetType, dataId, json.run, { id: json.id });
  }

  isComponent(): boolean {
    return this.datasetType.isComponent();
  }

  /** The ref of one component of this dataset: same ID, run and data ID. */
  makeComponentRef(component: string, componentStorageClass: string): DatasetRef {
    return new DatasetRef(
      this.datasetType.makeComponentDatasetType(component, componentStorageClass),
      this.dataId,
      this.run,
      {
        id: this.id,
      },
    );
  }

  /** The ref of the dataset a component ref is part of (this ref when it is not a component). */
  makeCompositeRef(): DatasetRef {
    if (!this.isComponent()) return this;
    return new DatasetRef(this.datasetType.makeCompositeDatasetType(), this.dataId, this.run, {
      id: this.id,
    });
  }

  /** The same dataset with its data ID replaced, e.g. by the expanded one. */
  withDataId(dataId: DataCoordinate): DatasetRef {
    return new DatasetRef(this.datasetType, dataId, this.run, { id: this.id });
  }

  equals(other: DatasetRef): boolean {
    return (
      this.id === other.id && this.datasetType.equals(other.datasetType) && this.dataId.equals(other.dataId)
    );
  }

  toJSON(): DatasetRefJson {
    return {
      id: this.id,
      run: this.run,
      datasetType: this.datasetType.toJSON(),
      dataId: this.dataId.toJSON(),
    };
  }

  toString(): string {
    return `${this.datasetType.name}@${this.dataId} [id=${this.id}, run=${this.run}]`;
  }
}
