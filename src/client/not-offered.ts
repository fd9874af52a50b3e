/**
 * The Butler operations a remote butler deliberately does not offer, and what to do instead. They
 * change the repository beyond a put (ingest, removal, imports and transfers into it, the header index
 * and its config) or write its registry contents out (export), which is for someone working on the
 * repository itself; a server hands out only reads, queries and puts. So are the registry's writes:
 * through a server the registry changes only by a put. Calling one on a RemoteButler (or its
 * registry) is a NotOfferedRemotelyError that says so, rather than `is not a function`.
 */
import { NotOfferedRemotelyError } from "../errors/index.ts";

const ON_THE_REPOSITORY = "open the repository itself (Butler.open on its directory or butler.yaml)";

/** What to do instead, per operation. */
export const NOT_OFFERED = {
  ingest: `ingest where the files and the repository are both reachable: ${ON_THE_REPOSITORY}, or run \`butler ingest-files\` on it; through a server, store objects with put`,
  indexHeaders: `indexing header keys changes the repository's configuration: ${ON_THE_REPOSITORY}, or run \`butler index-headers\` on it; queryHeaders here uses the keys already indexed (see indexedHeaderKeys)`,
  removeRuns: `${ON_THE_REPOSITORY} as someone allowed to change it, or run \`butler remove-runs\` on it`,
  pruneDatasets: `${ON_THE_REPOSITORY} as someone allowed to change it, or run \`butler prune-datasets\` on it`,
  export: `${ON_THE_REPOSITORY}, or run \`butler export\` on it; to copy dataset files here, use retrieveArtifacts`,
  import: `${ON_THE_REPOSITORY}, or run \`butler import\` on it; through a server, store objects with put`,
  transferFrom: `${ON_THE_REPOSITORY}, or run \`butler transfer-datasets\` on it; through a server, store objects with put`,
} as const;

export type NotOfferedOperation = keyof typeof NOT_OFFERED;

/** The registry's writes, which a remote butler's registry refuses. */
export const REGISTRY_WRITES = [
  "associate",
  "certify",
  "decertify",
  "disassociate",
  "importDatasets",
  "insertDatasets",
  "insertDimensionData",
  "registerCollection",
  "registerDatasetType",
  "registerRun",
  "removeCollection",
  "removeDatasetType",
  "removeDatasets",
  "setCollectionChain",
  "setCollectionDocumentation",
  "syncDimensionData",
] as const;

export type RegistryWrite = (typeof REGISTRY_WRITES)[number];

const REGISTRY_INSTEAD = `through a server the registry changes only by put; ${ON_THE_REPOSITORY} with writeable: true as someone allowed to change it, or run the butler command for it there`;

/** A rejected promise: the operation is not offered through the server at `url`. */
export function notOffered(operation: NotOfferedOperation, url: string): Promise<never> {
  return Promise.reject(new NotOfferedRemotelyError(operation, url, NOT_OFFERED[operation]));
}

/** A rejected promise: the registry write `operation` is not offered through the server at `url`. */
export function registryWriteNotOffered(operation: RegistryWrite, url: string): Promise<never> {
  return Promise.reject(new NotOfferedRemotelyError(`registry.${operation}`, url, REGISTRY_INSTEAD));
}
