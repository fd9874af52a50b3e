/** The subcommands that work on a repository's registry, in the order `butler --help` lists them. */
import * as associate from "./associate.ts";
import * as certifyCalibrations from "./certify-calibrations.ts";
import * as collectionChain from "./collection-chain.ts";
import * as configDump from "./config-dump.ts";
import * as configValidate from "./config-validate.ts";
import * as indexHeaders from "./index-headers.ts";
import * as insertDimensionRecords from "./insert-dimension-records.ts";
import * as queryCollections from "./query-collections.ts";
import * as queryDataIds from "./query-data-ids.ts";
import * as queryDatasetTypes from "./query-dataset-types.ts";
import * as queryDatasets from "./query-datasets.ts";
import * as queryDimensionRecords from "./query-dimension-records.ts";
import * as registerDatasetType from "./register-dataset-type.ts";
import * as removeCollections from "./remove-collections.ts";
import * as removeDatasetType from "./remove-dataset-type.ts";

export const REPO_COMMANDS = [
  associate,
  certifyCalibrations,
  collectionChain,
  configDump,
  configValidate,
  indexHeaders,
  insertDimensionRecords,
  queryCollections,
  queryDataIds,
  queryDatasetTypes,
  queryDatasets,
  queryDimensionRecords,
  registerDatasetType,
  removeCollections,
  removeDatasetType,
];
