/**
 * The bytes layer: the ByteSource contract, its sources and the wrappers that compose over it.
 * Documented stacking order (outermost first): coalescing → block cache → metrics → retry → source.
 */
export type { ByteRange, ByteSource, ReadOptions } from "./byte-source.ts";
export {
  type CoalescedGroup,
  type CoalesceOptions,
  coalesceRanges,
  DEFAULT_GAP_BYTES,
  DEFAULT_MAX_REQUEST_BYTES,
} from "./coalesce-ranges.ts";
export { FileSource, type FileSourceOptions, fromFile } from "./file-source.ts";
export { closeSharedDispatcher } from "./http-client.ts";
export { fromUrl, HttpSource, type HttpSourceOptions, type HttpTransferStats } from "./http-source.ts";
export { fromBytes, MemorySource, type MemorySourceOptions } from "./memory-source.ts";
export { readInto } from "./read-into.ts";
export {
  DEFAULT_RETRY_POLICY,
  isRetryable,
  type RetryContext,
  type RetryEvent,
  type RetryPolicy,
  retrying,
} from "./retry.ts";
export { S3Source, type S3SourceOptions, type S3TransferStats } from "./s3-source.ts";
export { DEFAULT_REQUEST_LIMIT, RequestLimiter, withLimit } from "./with-limit.ts";
export {
  type ByteMetrics,
  createMetrics,
  type MeteredSource,
  resetMetrics,
  withMetrics,
} from "./with-metrics.ts";
export { type RetryingSource, type RetryOptions, type RetryStats, withRetry } from "./with-retry.ts";
