/**
 * The resources layer: `ResourcePath` for `file://`, `mem://`, `s3://`, `gs://` and `http(s)://` (WebDAV), and
 * `resourcePath(uri)` to make one. Each gives whole-file operations and `openSource()` for ranged reads.
 */
export { FileResourcePath } from "./file-resource.ts";
export { type ResourcePathOptions, resourcePath } from "./from-uri.ts";
export { closeGcsClients } from "./gcs-client.ts";
export { GcsResourcePath } from "./gcs-resource.ts";
export { type GcsAuth, type GcsSettings, gcsSettings } from "./gcs-settings.ts";
export { HttpResourcePath } from "./http-resource.ts";
export { clearMemStore, MemResourcePath } from "./mem-resource.ts";
export {
  type ListOptions,
  type OpenOptions,
  type ResourceEntry,
  type ResourceOptions,
  ResourcePath,
  type SignalOptions,
  type TransferMode,
  type WriteOptions,
} from "./resource-path.ts";
export { type PresignOptions, S3ApiPath } from "./s3-api-path.ts";
export { closeS3Clients, type S3Settings, s3Settings } from "./s3-client.ts";
export { S3ResourcePath } from "./s3-resource.ts";
