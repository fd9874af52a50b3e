/**
 * A put through a butler server, in three steps: the formatter writes the file on this machine (as a
 * local put does) and its size and sha256 are taken; `put/prepare` hands out a signed upload URL (a
 * pre-signed S3 PUT, or the server's own upload route) to which the file goes straight; `put/commit`
 * has the server check size and checksum, index the file and register dataset and record in one
 * transaction. An upload never committed is removed by the server once its URL has expired.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ButlerPutOptions } from "../butler/options.ts";
import { mergeDataId, refuseComponentWrite, refuseDataIdBesideRef } from "../butler/resolve.ts";
import { discardBody, httpRequest, readBody } from "../bytes/http-client.ts";
import { type DataIdInput, DatasetRef, type DatasetType, splitDatasetTypeName } from "../core/index.ts";
import { acceptsStorageClass, lookupSubject } from "../datastore/index.ts";
import {
  FormatterLookupError,
  NoDefaultCollectionError,
  ReadOnlyButlerError,
  ServerError,
} from "../errors/index.ts";
import {
  CLIENT_REQUEST_ID_HEADER,
  type PutCommitResponse,
  type PutPrepareResponse,
  routePath,
} from "./protocol.ts";
import type { RemoteButler } from "./remote-butler.ts";
import { dataIdToJson, refFromJson } from "./wire.ts";

/**
 * A put through the server (see `RemoteButler.put`): a resolved ref keeps its ID and run, as a local
 * put's does; a dataset type and data ID (with the butler's default values) go to the call's run, else
 * the butler's.
 */
export async function putThroughServer(
  butler: RemoteButler,
  object: unknown,
  datasetTypeOrRef: DatasetRef | DatasetType | string,
  dataId: DataIdInput | null | undefined,
  options: ButlerPutOptions,
): Promise<DatasetRef> {
  if (!butler.isWriteable) throw new ReadOnlyButlerError("put");
  if (datasetTypeOrRef instanceof DatasetRef) {
    refuseDataIdBesideRef(dataId, "put");
    const { datasetType, run, id } = datasetTypeOrRef;
    if (datasetType.component !== null) refuseComponentWrite(datasetType.name, datasetType.parentName, "put");
    const type = await butler.registry.getDatasetType(datasetType.name);
    return remotePut(butler, object, type, datasetTypeOrRef.dataId.toObject(), run, id);
  }
  const run = options.run ?? butler.run;
  if (run === undefined) throw new NoDefaultCollectionError("run", "put");
  const name = typeof datasetTypeOrRef === "string" ? datasetTypeOrRef : datasetTypeOrRef.name;
  const [parentName, component] = splitDatasetTypeName(name);
  if (component !== null) refuseComponentWrite(name, parentName, "put");
  const type = await butler.registry.getDatasetType(parentName);
  return remotePut(butler, object, type, mergeDataId(dataId, butler.dataId, type.dimensions.names), run);
}

async function remotePut(
  butler: RemoteButler,
  object: unknown,
  type: DatasetType,
  dataId: DataIdInput,
  run: string,
  /** The ID of a resolved ref being put as it is. */
  datasetId?: string,
): Promise<DatasetRef> {
  const storageClass = butler.storageClasses.get(type.storageClass);
  const formatters = butler.files.datastore.formatters;
  const instrument = dataIdToJson(dataId).instrument;
  const choice = formatters.lookup(lookupSubject(type, storageClass, instrument));
  const formatter = await formatters.get(choice.formatter);
  if (!acceptsStorageClass(formatter, storageClass)) {
    throw new FormatterLookupError(
      `formatter '${formatter.name}' (configured for ${type.name}) cannot store storage class ${storageClass.name}; ` +
        `it handles ${formatter.storageClasses.join(", ")}`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "butler-put-"));
  try {
    const path = join(dir, `dataset${formatter.extension}`);
    await formatter.write(object, {
      storageClass,
      path,
      ...(choice.recipe === undefined ? {} : { recipe: choice.recipe }),
    });
    const bytes = await readFile(path);
    const checksum = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    const prepared = await butler.connection.postJson<PutPrepareResponse>(routePath("putPrepare"), {
      dataset_type: type.name,
      data_id: dataIdToJson(dataId),
      run,
      storage_class: storageClass.name,
      size: bytes.byteLength,
      checksum,
      formatter: formatter.name,
      ...(datasetId === undefined ? {} : { dataset_id: datasetId }),
    });
    await upload(prepared, bytes);
    const committed = await butler.connection.postJson<PutCommitResponse>(routePath("putCommit"), {
      upload_id: prepared.upload_id,
    });
    return refFromJson(committed.dataset_ref, butler.registry.universe);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Sends the file to the signed URL; anything but a 2xx answer is a ServerError. */
async function upload(prepared: PutPrepareResponse, bytes: Uint8Array): Promise<void> {
  const requestId = randomUUID();
  const res = await httpRequest({
    method: prepared.method,
    url: prepared.url,
    headers: { "content-type": "application/octet-stream", [CLIENT_REQUEST_ID_HEADER]: requestId },
    body: bytes,
  });
  if (res.status >= 200 && res.status < 300) {
    await discardBody(res);
    return;
  }
  const text = new TextDecoder().decode(
    await readBody(res, prepared.url, "PUT").catch(() => new Uint8Array()),
  );
  throw new ServerError(
    "SERVER_ERROR",
    prepared.url.replace(/[?#].*$/, ""),
    requestId,
    `the upload was refused: HTTP ${res.status} ${text.slice(0, 200)}`,
    { status: res.status },
  );
}
