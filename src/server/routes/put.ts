/**
 * Puts through the server, with the file's bytes going to the store without a client credential:
 * - `POST /v1/put/prepare` checks the dataset could be stored (type known, no dataset of that type and
 *   data ID in the run) and hands out an upload: a temporary name inside the datastore root and a URL
 *   to PUT the file to (a pre-signed S3/GCS PUT, else the signed upload route below);
 * - `PUT /v1/uploads/{upload_id}?expires&sig` (local and WebDAV roots) writes the body there, refusing
 *   more bytes than announced;
 * - `POST /v1/put/commit` checks size and checksum, then ingests the upload by moving it into place
 *   through the butler's ingest (index computed from the file, registry row and record in one
 *   transaction).
 * Stateless: the upload id is the signed description of the upload, so any process holding the key
 * can take the commit. Uploads never committed are removed once expired (a sweep on prepare and commit).
 */

import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Butler } from "../../butler/butler.ts";
import type { GetManyItem } from "../../butler/options.ts";
import {
  type PutCommitRequest,
  type PutCommitResponse,
  type PutPrepareRequest,
  type PutPrepareResponse,
  REPO_PREFIX,
  ROUTES,
  type SignedUrlQuery,
} from "../../client/protocol.ts";
import { DatasetRef, type DatasetType, normalizeUuid } from "../../core/index.ts";
import { lookupSubject, ResourceRoot } from "../../datastore/index.ts";
import { ConflictingDefinitionError, InvalidArgumentError } from "../../errors/index.ts";
import { resourcePath } from "../../resources/from-uri.ts";
import type { ResourcePath } from "../../resources/resource-path.ts";
import { repositoryOf, type ServerContext, serverUrlOf } from "../context.ts";
import { HttpError } from "../http-error.ts";
import { DATA_ID_SCHEMA } from "../schemas.ts";
import { checkSignature, signQuery } from "../signing.ts";
import {
  decodeUploadId,
  encodeUploadId,
  sweepExpiredUploads,
  UPLOAD_DIR,
  UPLOAD_FILE_NAME,
  type Upload,
  uploadPath,
} from "../uploads.ts";

interface Presignable {
  presignPut(options: { expiresIn?: number }): Promise<string>;
}

function canPresignPut(resource: unknown): resource is Presignable {
  return typeof (resource as Partial<Presignable>).presignPut === "function";
}

/** The uploads directory of a datastore root, as a resource (local, WebDAV, S3 alike). */
function uploadsDir(rootUri: string): ResourcePath {
  return resourcePath(rootUri, { forceDirectory: true }).join(`${UPLOAD_DIR}/`);
}

export function putRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: PutPrepareRequest }>(
    ROUTES.putPrepare,
    {
      config: { access: "write" },
      schema: {
        body: {
          type: "object",
          properties: {
            dataset_type: { type: "string", minLength: 1 },
            data_id: DATA_ID_SCHEMA,
            run: { type: "string", minLength: 1 },
            storage_class: { type: "string" },
            size: { type: "integer", minimum: 0 },
            checksum: { type: "string", pattern: "^sha256:[0-9a-f]{64}$" },
            formatter: { type: "string" },
            dataset_id: { type: "string", maxLength: 64 },
          },
          required: ["dataset_type", "data_id", "run", "size", "checksum"],
          additionalProperties: false,
        },
      },
    },
    async (request): Promise<PutPrepareResponse> => {
      const { name, butler } = repositoryOf(ctx, request);
      butler.checkWriteable("put");
      const body = request.body;
      const type = await butler.registry.getDatasetType(body.dataset_type);
      if (body.storage_class !== undefined && body.storage_class !== type.storageClass) {
        throw new InvalidArgumentError(
          `put of ${type.name}: the file was written as storage class ${body.storage_class}, but the dataset type's is ${type.storageClass}`,
        );
      }
      // Fails before any upload: an unknown data ID value, or a dataset already in the run.
      const dataId = await butler.registry.expandDataId(body.data_id, { dimensions: type.dimensions });
      const existing = await butler.registry
        .findDataset(type, dataId, { collections: [body.run] })
        .catch((err: unknown) => {
          if ((err as { code?: string }).code === "MISSING_COLLECTION") return null;
          throw err;
        });
      if (existing !== null) {
        throw new ConflictingDefinitionError(
          `a ${type.name} dataset with data ID ${dataId} already exists in run '${body.run}' (id ${existing.id})`,
        );
      }
      const datasetId = body.dataset_id === undefined ? undefined : normalizeUuid(body.dataset_id);
      if (datasetId !== undefined && (await butler.registry.getDataset(datasetId)) !== null) {
        throw new ConflictingDefinitionError(`a dataset with id ${datasetId} already exists`);
      }
      const root = butler.datastore.root;
      await sweepExpiredUploads(uploadsDir(root.uri), ctx.urlExpirySeconds * 1000);
      const expires = Math.floor(Date.now() / 1000) + ctx.urlExpirySeconds;
      const upload: Upload = {
        repository: name,
        datasetType: type.name,
        dataId: body.data_id,
        run: body.run,
        size: body.size,
        checksum: body.checksum,
        ...(body.formatter === undefined ? {} : { formatter: body.formatter }),
        ...(datasetId === undefined ? {} : { datasetId }),
        expires,
        file: `${expires}-${randomBytes(12).toString("hex")}${await extensionFor(butler, type, body.formatter)}`,
      };
      const uploadId = encodeUploadId(ctx.signingKey, upload);
      const target = uploadsDir(root.uri).join(upload.file);
      let url: string;
      if (root instanceof ResourceRoot && canPresignPut(target)) {
        url = await target.presignPut({ expiresIn: ctx.urlExpirySeconds });
      } else {
        // The URL names the file and its size only (the id itself is too long for a path segment).
        const signed = uploadPath(upload.file, upload.size);
        const { query } = signQuery(ctx.signingKey, name, signed, ctx.urlExpirySeconds);
        const route = ROUTES.upload.replace(":uploadId", encodeURIComponent(upload.file));
        url = `${serverUrlOf(ctx, request)}${REPO_PREFIX}/${name}${route}?size=${upload.size}&${query}`;
      }
      return { upload_id: uploadId, url, method: "PUT", expires };
    },
  );

  // The upload route reads its body as raw bytes; the parser is scoped to it.
  app.register(async (scope) => {
    scope.addContentTypeParser("*", (_request, payload, done) => done(null, payload));
    scope.put<{ Params: { uploadId: string }; Querystring: SignedUrlQuery & { size?: string } }>(
      ROUTES.upload,
      // The signed URL is the credential (prepare needed write access), as for a pre-signed S3 PUT.
      { config: { access: "public" } },
      async (request, reply) => {
        const { name } = repositoryOf(ctx, request);
        const file = request.params.uploadId;
        const size = request.query.size ?? "";
        checkSignature(
          ctx.signingKey,
          name,
          uploadPath(file, Number(size)),
          request.query.expires,
          request.query.sig,
        );
        if (!UPLOAD_FILE_NAME.test(file) || !/^\d+$/.test(size)) {
          throw new InvalidArgumentError(`'${file}' is not an upload this server names`);
        }
        const bytes = await readBounded(request, Number(size));
        const { butler } = repositoryOf(ctx, request);
        await uploadsDir(butler.datastore.root.uri).join(file).write(bytes);
        reply.code(201);
        return {};
      },
    );
  });

  app.post<{ Body: PutCommitRequest }>(
    ROUTES.putCommit,
    {
      config: { access: "write" },
      schema: {
        body: {
          type: "object",
          properties: { upload_id: { type: "string", minLength: 1, maxLength: 8192 } },
          required: ["upload_id"],
          additionalProperties: false,
        },
      },
    },
    async (request): Promise<PutCommitResponse> => {
      const { name, butler } = repositoryOf(ctx, request);
      butler.checkWriteable("put");
      const upload = decodeUploadId(ctx.signingKey, request.body.upload_id, name);
      const root = butler.datastore.root;
      const dir = uploadsDir(root.uri);
      await sweepExpiredUploads(dir, ctx.urlExpirySeconds * 1000);
      const file = dir.join(upload.file);
      const size = await file.size().catch(() => undefined);
      if (size === undefined) {
        throw new InvalidArgumentError(
          "put commit: nothing was uploaded for this upload (or it expired and was removed); prepare the put again",
        );
      }
      const checksum = await root.checksum(file.uri);
      if (size !== upload.size || checksum !== upload.checksum) {
        await file.remove().catch(() => false);
        throw new InvalidArgumentError(
          `put commit: the upload has ${size} bytes and checksum ${checksum}, but ${upload.size} bytes and ${upload.checksum} were announced; it was removed, upload again`,
        );
      }
      await butler.registry.registerRun(upload.run);
      const local = file.scheme === "file";
      const [ref] = await butler.ingest(
        {
          path: local ? file.path : file.uri,
          refs: await uploadedRef(butler, upload),
          ...(upload.formatter === undefined ? {} : { formatter: upload.formatter }),
        },
        { transfer: "move", run: upload.run },
      );
      return { dataset_ref: ref!.toJSON() };
    },
  );
}

/** What an upload stores: the client's resolved ref (its ID kept), else a dataset type and data ID. */
async function uploadedRef(butler: Butler, upload: Upload): Promise<GetManyItem> {
  if (upload.datasetId === undefined) return { datasetType: upload.datasetType, dataId: upload.dataId };
  const type = await butler.registry.getDatasetType(upload.datasetType);
  const dataId = await butler.registry.expandDataId(upload.dataId, { dimensions: type.dimensions });
  return new DatasetRef(type, dataId, upload.run, { id: upload.datasetId });
}

/** The file extension a put of `type` gets: the client's formatter's, else the configured one's. */
async function extensionFor(
  butler: Butler,
  type: DatasetType,
  formatterName: string | undefined,
): Promise<string> {
  const formatters = butler.datastore.formatters;
  const name =
    formatterName ??
    formatters.lookup(lookupSubject(type, butler.storageClasses.get(type.storageClass))).formatter;
  return (await formatters.get(name)).extension;
}

/** The request body, refused (413) past `limit` bytes and (422) when shorter than announced. */
async function readBounded(request: FastifyRequest, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request.body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      throw new HttpError(413, "REQUEST_TOO_LARGE", `the upload is larger than the ${limit} bytes announced`);
    }
    chunks.push(chunk);
  }
  if (total !== limit) {
    throw new InvalidArgumentError(`the upload has ${total} bytes but ${limit} were announced`);
  }
  return new Uint8Array(Buffer.concat(chunks, total));
}
