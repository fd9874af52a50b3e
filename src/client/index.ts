// The remote butler: a repository on a butler server with the Butler's API, and the opener that
// takes a directory or a server URL.
export { type ConnectionOptions, DEFAULT_RETRY_BUDGET_MS, ServerConnection } from "./connection.ts";
export { type AnyButler, type OpenButlerOptions, openButler } from "./open.ts";
export {
  isServerUrl,
  RemoteButler,
  type RemoteButlerOptions,
  type RemoteGetManyItem,
  type RemoteGetOptions,
} from "./remote-butler.ts";
export type { RemoteQueryHeadersOptions } from "./remote-headers.ts";
export { RemoteRegistry } from "./remote-registry.ts";
export { findToken, tokensFilePath } from "./token.ts";
