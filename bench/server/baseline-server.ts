/**
 * The yardstick of `npm run bench:server`, run as its own process: fastify answering a hello world and
 * one indexed SQLite lookup (a dataset row by primary key, in the repository's own registry file), the
 * least work any route of the butler server can do. Prints its URL and the number of rows on stdout.
 *
 *   node --import tsx bench/server/baseline-server.ts REGISTRY.sqlite3
 */
import Database from "better-sqlite3";
import Fastify from "fastify";

const file = process.argv[2];
if (file === undefined) throw new Error("usage: baseline-server.ts REGISTRY.sqlite3");
const db = new Database(file, { readonly: true });
const ids = db.prepare("SELECT id FROM dataset").pluck().all() as string[];
const byId = db.prepare("SELECT id, dataset_type_id, run_id, ingest_date FROM dataset WHERE id = ?");

const app = Fastify({ logger: false });
app.get("/hello", async () => ({ hello: "world" }));
app.get<{ Params: { n: string } }>("/lookup/:n", async (request) => {
  const row = byId.get(ids[Number(request.params.n) % ids.length]) as Record<string, unknown>;
  return { id: row.id, datasetTypeId: row.dataset_type_id, runId: row.run_id, ingestDate: row.ingest_date };
});
const url = await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`Yardstick at ${url} over ${ids.length} rows\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
