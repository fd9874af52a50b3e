/** The subcommands that move datasets in, out of and between repositories, or remove them. */
import * as exportCommand from "./export.ts";
import * as importCommand from "./import.ts";
import * as ingestFiles from "./ingest-files.ts";
import * as pruneDatasets from "./prune-datasets.ts";
import * as removeRuns from "./remove-runs.ts";
import * as retrieveArtifacts from "./retrieve-artifacts.ts";
import * as transferDatasets from "./transfer-datasets.ts";
import * as verify from "./verify.ts";

export const DATA_COMMANDS = [
  exportCommand,
  importCommand,
  ingestFiles,
  pruneDatasets,
  removeRuns,
  retrieveArtifacts,
  transferDatasets,
  verify,
];
