/**
 * `POST /v1/get_file_by_data_id`: find_dataset and get_file in one request, so a client's get by
 * dataset type and data ID is one call to the server before it reads the bytes from the store. A
 * calibration type without a timespan is looked up at the time of the exposure or visit the data ID
 * names, as a local butler's get does.
 */
import type { FastifyInstance } from "fastify";
import { calibrationTimespan } from "../../butler/calibration-time.ts";
import { type GetFileByDataIdRequest, type GetFileByDataIdResponse, ROUTES } from "../../client/protocol.ts";
import { Timespan } from "../../core/index.ts";
import { repositoryOf, type ServerContext } from "../context.ts";
import { fileUrl } from "../file-urls.ts";
import { DATA_ID_SCHEMA, NAME_PATTERN_SCHEMA, TIMESPAN_SCHEMA } from "../schemas.ts";
import { recordJson } from "./files.ts";

export function fileByDataIdRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: GetFileByDataIdRequest }>(
    ROUTES.getFileByDataId,
    {
      config: { access: "read" },
      schema: {
        body: {
          type: "object",
          properties: {
            dataset_type: { type: "string", minLength: 1 },
            data_id: DATA_ID_SCHEMA,
            collections: NAME_PATTERN_SCHEMA,
            timespan: TIMESPAN_SCHEMA,
          },
          required: ["dataset_type", "data_id", "collections"],
          additionalProperties: false,
        },
      },
    },
    async (request): Promise<GetFileByDataIdResponse> => {
      const { name, butler } = repositoryOf(ctx, request);
      const body = request.body;
      const type = await butler.registry.getDatasetType(body.dataset_type);
      const timespan =
        body.timespan !== undefined
          ? body.timespan === null
            ? null
            : Timespan.fromJSON(body.timespan)
          : type.isCalibration
            ? await calibrationTimespan(butler.registry, type, body.data_id)
            : null;
      const ref = await butler.registry.findDataset(type, body.data_id, {
        collections: body.collections,
        timespan,
      });
      if (ref === null) return { dataset_ref: null, file_info: [] };
      const records = await butler.datastore.records.get([ref.id]);
      const fileInfo = await Promise.all(
        records.map(async (record) => {
          const { url, expires } = await fileUrl(ctx, request, name, butler.datastore.root, record.path);
          return { url, auth: "none" as const, expires, record: recordJson(record) };
        }),
      );
      return { dataset_ref: ref.toJSON(), file_info: fileInfo };
    },
  );
}
