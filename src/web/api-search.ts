/**
 * The search page's data: datasets of one type in the chosen collections matching a `where`, a page of
 * 100 at a time with their data IDs as columns; an empty first page says why it is empty; the whole
 * result downloads as CSV or JSON.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Butler } from "../butler/index.ts";
import type { DatasetRef } from "../core/index.ts";
import { EmptyQueryResultError } from "../errors/index.ts";
import {
  integer,
  jsonSafe,
  list,
  type RepoRequest,
  required,
  type WebPluginOptions,
  withRepository,
} from "./http.ts";

const PAGE_ROWS = 100;

interface SearchInput {
  datasetType: string;
  collections: string[];
  where: string;
}

function searchInput(request: RepoRequest, butler: Butler): SearchInput {
  const collections = list(request, "collections");
  return {
    datasetType: required(request, "datasetType"),
    collections: collections.length > 0 ? collections : [...butler.collections],
    where: request.query.where ?? "",
  };
}

/** Find-first when the collections are an ordered list of names; every match when any is a glob. */
function query(
  butler: Butler,
  input: SearchInput,
  extra: { limit?: number; offset?: number; explain?: boolean },
) {
  const collections = input.collections.length > 0 ? input.collections : ["*"];
  const findFirst = !collections.some((c) => /[*?[]/.test(c));
  return butler.registry.queryDatasets(input.datasetType, {
    collections,
    findFirst,
    ...(input.where.trim() === "" ? {} : { where: input.where }),
    ...extra,
  });
}

/** The data ID columns of a dataset type: required dimensions, then implied. */
async function columnsOf(butler: Butler, datasetType: string): Promise<string[]> {
  const type = await butler.registry.getDatasetType(datasetType.split(".")[0]!);
  return [...type.dimensions.required, ...type.dimensions.implied];
}

function row(ref: DatasetRef): Record<string, unknown> {
  return { id: ref.id, run: ref.run, dataId: jsonSafe(ref.dataId.toJSON()) };
}

async function searchPage(butler: Butler, request: RepoRequest) {
  const input = searchInput(request, butler);
  const page = integer(request, "page", 0, 0, 1_000_000);
  const columns = await columnsOf(butler, input.datasetType);
  const refs = await query(butler, input, { limit: PAGE_ROWS + 1, offset: page * PAGE_ROWS });
  let explanation: string[] | undefined;
  if (refs.length === 0 && page === 0) {
    try {
      await query(butler, input, { limit: 1, explain: true });
    } catch (err) {
      if (!(err instanceof EmptyQueryResultError)) throw err;
      explanation = [...err.reasons];
    }
  }
  return {
    datasetType: input.datasetType,
    collections: input.collections,
    columns,
    page,
    pageRows: PAGE_ROWS,
    hasMore: refs.length > PAGE_ROWS,
    rows: refs.slice(0, PAGE_ROWS).map(row),
    ...(explanation === undefined ? {} : { explanation }),
  };
}

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

async function download(butler: Butler, request: RepoRequest, reply: FastifyReply, format: "csv" | "json") {
  const input = searchInput(request, butler);
  const columns = await columnsOf(butler, input.datasetType);
  const refs = await query(butler, input, {});
  const file = `${input.datasetType}.${format}`;
  reply.header("content-disposition", `attachment; filename="${file}"`);
  if (format === "json") {
    return reply.type("application/json").send(JSON.stringify(refs.map(row)));
  }
  const lines = [["id", "run", ...columns].join(",")];
  for (const ref of refs) {
    const dataId = ref.dataId.toJSON() as Record<string, unknown>;
    lines.push([ref.id, ref.run, ...columns.map((c) => dataId[c])].map(csvCell).join(","));
  }
  return reply.type("text/csv; charset=utf-8").send(`${lines.join("\n")}\n`);
}

export function searchRoutes(app: FastifyInstance, options: WebPluginOptions): void {
  const read = { config: { access: "read" as const } };
  app.get("/web/api/:name/search", read, (request, reply) =>
    withRepository(options, request as RepoRequest, reply, (butler) =>
      searchPage(butler, request as RepoRequest),
    ),
  );
  app.get("/web/api/:name/search.csv", read, (request, reply) =>
    withRepository(options, request as RepoRequest, reply, (butler) =>
      download(butler, request as RepoRequest, reply, "csv"),
    ),
  );
  app.get("/web/api/:name/search.json", read, (request, reply) =>
    withRepository(options, request as RepoRequest, reply, (butler) =>
      download(butler, request as RepoRequest, reply, "json"),
    ),
  );
}
