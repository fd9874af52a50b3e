/**
 * Every `butler` subcommand: its name, the one-line description `butler --help` lists, and how to load
 * the module that registers it. Only the module of the command being run is imported, so starting the
 * CLI never pays for the others (test/cli/command-table.test.ts keeps this table equal to what each
 * module registers). Listed in the order `butler --help` shows them.
 */
import type { Command } from "commander";

export interface CommandModule {
  register(program: Command): void;
}

export interface CommandEntry {
  readonly name: string;
  readonly description: string;
  readonly load: () => Promise<CommandModule>;
}

export const COMMAND_TABLE: readonly CommandEntry[] = [
  {
    name: "create",
    description:
      "Create an empty data repository: butler.yaml, a SQLite registry (gen3.sqlite3) and the datastore root.",
    load: () => import("./commands/create.ts"),
  },
  {
    name: "demo",
    description: "Create a repository holding a small synthetic survey, then query and scan it.",
    load: () => import("./commands/demo.ts"),
  },
  {
    name: "fits-info",
    description: "List the HDUs of a FITS file: kind, pixel type, shape, compression, byte offsets.",
    load: () => import("./commands/fits-info.ts"),
  },
  {
    name: "fits-header",
    description: "Print one header of a FITS file.",
    load: () => import("./commands/fits-header.ts"),
  },
  {
    name: "get",
    description: "Read a dataset, a component or a cutout; write images as FITS, print everything else.",
    load: () => import("./commands/get.ts"),
  },
  {
    name: "scan-metadata",
    description:
      "Read one component (the header by default) of every matching dataset and tabulate chosen keys.",
    load: () => import("./commands/scan-metadata.ts"),
  },
  {
    name: "index-headers",
    description:
      "Index FITS header keys of a dataset type in the registry and fill them for its existing datasets.",
    load: () => import("./commands/index-headers.ts"),
  },
  {
    name: "associate",
    description:
      "Add existing datasets to a tagged collection: the datasets the options find go into COLLECTION.",
    load: () => import("./commands/associate.ts"),
  },
  {
    name: "certify-calibrations",
    description: "Certify calibrations in a repository for a validity range.",
    load: () => import("./commands/certify-calibrations.ts"),
  },
  {
    name: "collection-chain",
    description: "Define a collection chain, or change one.",
    load: () => import("./commands/collection-chain.ts"),
  },
  {
    name: "config-dump",
    description: "Dump either a subset or the full butler configuration to standard output.",
    load: () => import("./commands/config-dump.ts"),
  },
  {
    name: "config-validate",
    description: "Validate the configuration of a repository against its dataset types.",
    load: () => import("./commands/config-validate.ts"),
  },
  {
    name: "insert-dimension-records",
    description:
      "Insert dimension records (an instrument, its detectors, filters, …) from a YAML or CSV file.",
    load: () => import("./commands/insert-dimension-records.ts"),
  },
  {
    name: "query-collections",
    description: "Search for collections: their names, types, and the children or parents of chains.",
    load: () => import("./commands/query-collections.ts"),
  },
  {
    name: "query-data-ids",
    description: "List the data IDs in a repository.",
    load: () => import("./commands/query-data-ids.ts"),
  },
  {
    name: "query-dataset-types",
    description: "Get the dataset types in a repository.",
    load: () => import("./commands/query-dataset-types.ts"),
  },
  {
    name: "query-datasets",
    description: "List the datasets in a repository.",
    load: () => import("./commands/query-datasets.ts"),
  },
  {
    name: "query-dimension-records",
    description: "Query for dimension information.",
    load: () => import("./commands/query-dimension-records.ts"),
  },
  {
    name: "register-dataset-type",
    description: "Register a new dataset type with this butler repository.",
    load: () => import("./commands/register-dataset-type.ts"),
  },
  {
    name: "remove-collections",
    description:
      "Remove one or more non-RUN collections (RUN collections that match are listed, not removed).",
    load: () => import("./commands/remove-collections.ts"),
  },
  {
    name: "remove-dataset-type",
    description: "Remove the dataset type definitions from a repository.",
    load: () => import("./commands/remove-dataset-type.ts"),
  },
  {
    name: "export",
    description: "Export datasets (and their runs, dataset types and dimension records) to an export file.",
    load: () => import("./commands/export.ts"),
  },
  {
    name: "import",
    description: "Import data into a repository from an export file (and the files it points at).",
    load: () => import("./commands/import.ts"),
  },
  {
    name: "ingest-files",
    description: "Ingest files listed in a table (CSV: the file, then its data ID values).",
    load: () => import("./commands/ingest-files.ts"),
  },
  {
    name: "prune-datasets",
    description: "Find datasets and remove them from a collection and/or from storage.",
    load: () => import("./commands/prune-datasets.ts"),
  },
  {
    name: "remove-runs",
    description: "Remove one or more RUN collections and the datasets (and files) in them.",
    load: () => import("./commands/remove-runs.ts"),
  },
  {
    name: "retrieve-artifacts",
    description: "Retrieve the files of datasets in a repository into a directory.",
    load: () => import("./commands/retrieve-artifacts.ts"),
  },
  {
    name: "serve",
    description: "Serve repositories over HTTP for remote butlers and the web page, until interrupted.",
    load: () => import("./commands/serve.ts"),
  },
  {
    name: "transfer-datasets",
    description: "Transfer datasets from a source repository to a destination repository.",
    load: () => import("./commands/transfer-datasets.ts"),
  },
  {
    name: "token",
    description: "Create, list and revoke the bearer tokens a repository's servers accept.",
    load: () => import("./commands/token.ts"),
  },
  {
    name: "ui",
    description: "Serve a web page for a repository on this machine and print its URL.",
    load: () => import("./commands/ui.ts"),
  },
  {
    name: "verify",
    description:
      "Check that every dataset has its file and every file its dataset; list temporaries and trash left by interrupted writes.",
    load: () => import("./commands/verify.ts"),
  },
];
