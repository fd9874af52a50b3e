/**
 * `get_file`: for each dataset its ref and, per stored file, the datastore record (byte index
 * included) and a URL to read it from, so a client plans its reads and fetches exact ranges itself.
 */
import type { FastifyInstance } from "fastify";
import {
  type FileRecordJson,
  type GetFileRequest,
  type GetFileResponse,
  ROUTES,
} from "../../client/protocol.ts";
import { normalizeUuid } from "../../core/index.ts";
import type { StoredFileRecord } from "../../datastore/index.ts";
import { repositoryOf, type ServerContext } from "../context.ts";
import { fileUrl } from "../file-urls.ts";
import { datasetIdsSchema } from "../schemas.ts";

export function recordJson(record: StoredFileRecord): FileRecordJson {
  return {
    dataset_id: record.datasetId,
    component: record.component,
    path: record.path,
    formatter: record.formatter,
    storage_class: record.storageClass,
    checksum: record.checksum,
    file_size: record.fileSize,
    byte_index: record.byteIndex,
  };
}

export function fileRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: GetFileRequest }>(
    ROUTES.getFile,
    {
      config: { access: "read" },
      schema: {
        body: {
          type: "object",
          properties: { dataset_ids: datasetIdsSchema(ctx.maxIds), component: { type: "string" } },
          required: ["dataset_ids"],
          additionalProperties: false,
        },
      },
    },
    async (request): Promise<GetFileResponse> => {
      const { name, butler } = repositoryOf(ctx, request);
      const ids = [...new Set(request.body.dataset_ids.map((id) => normalizeUuid(id)))];
      const [refs, records] = await Promise.all([
        butler.registry.getDatasets(ids),
        butler.datastore.records.get(ids),
      ]);
      const byDataset = new Map<string, StoredFileRecord[]>();
      for (const record of records) {
        const list = byDataset.get(record.datasetId);
        if (list === undefined) byDataset.set(record.datasetId, [record]);
        else list.push(record);
      }
      const component = request.body.component;
      const files: GetFileResponse["files"] = [];
      for (const id of ids) {
        const ref = refs.get(id);
        if (ref === undefined) continue;
        let stored = byDataset.get(id) ?? [];
        // A component of a disassembled dataset is one file; of a whole one, the whole file.
        if (component !== undefined && !stored.some((r) => r.component === null)) {
          stored = stored.filter((r) => r.component === component);
        }
        const fileInfo = await Promise.all(
          stored.map(async (record) => {
            const { url, expires } = await fileUrl(ctx, request, name, butler.datastore.root, record.path);
            return { url, auth: "none" as const, expires, record: recordJson(record) };
          }),
        );
        files.push({ dataset_ref: ref.toJSON(), file_info: fileInfo });
      }
      return { files };
    },
  );
}
