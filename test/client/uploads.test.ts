/**
 * The put routes' refusals and their clean-up, against a real server on a local root: an upload never
 * committed is removed once it has expired, and its commit is refused; a tampered upload URL is 403;
 * more bytes than announced are refused; a commit of bytes that do not match the announced checksum
 * is refused and the upload removed; a forged upload id is refused; a put of a resolved ref keeps its
 * ID, which must be free.
 */
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ServerConnection } from "../../src/client/connection.ts";
import type { PutPrepareResponse } from "../../src/client/protocol.ts";
import { isButlerError } from "../../src/errors/index.ts";
import { makeSmallDemo, registerVisitSummary, type ServedDemo, serve } from "./helpers.ts";

let served: ServedDemo;
let connection: ServerConnection;
const BYTES = new TextEncoder().encode("seeing: 0.5\n");
const CHECKSUM = `sha256:${createHash("sha256").update(BYTES).digest("hex")}`;

before(async () => {
  served = await serve(await makeSmallDemo(), { urlExpirySeconds: 3 });
  await registerVisitSummary(served.butler);
  connection = new ServerConnection(served.url);
});

after(async () => {
  await served.close();
});

function prepare(
  visit: number,
  checksum = CHECKSUM,
  size = BYTES.byteLength,
  extra: { dataset_id?: string; run?: string } = {},
): Promise<PutPrepareResponse> {
  return connection.postJson<PutPrepareResponse>("/v1/put/prepare", {
    dataset_type: "visitSummary",
    data_id: { instrument: "DemoCam", visit },
    run: "u/uploads",
    size,
    checksum,
    ...extra,
  });
}

function uploads(): string[] {
  const dir = join(served.repo, ".butler-uploads");
  return existsSync(dir) ? readdirSync(dir) : [];
}

const VISIT = 2026031000;

describe("uploads", () => {
  test("an upload never committed is refused once expired and removed by a later sweep", async () => {
    const abandoned = await prepare(VISIT);
    assert.equal((await fetch(abandoned.url, { method: "PUT", body: BYTES })).status, 201);
    assert.equal(uploads().length, 1);
    await new Promise((resolve) => setTimeout(resolve, 4100));
    await assert.rejects(
      connection.postJson("/v1/put/commit", { upload_id: abandoned.upload_id }),
      (err: unknown) => isButlerError(err, "INVALID_ARGUMENT") && /expired/.test((err as Error).message),
    );
    await prepare(VISIT);
    assert.deepEqual(uploads(), []);
  });

  test("a tampered upload URL is 403 and more bytes than announced are refused", async () => {
    const prepared = await prepare(VISIT);
    const tampered = prepared.url.replace(/size=\d+/, "size=100000");
    assert.equal((await fetch(tampered, { method: "PUT", body: BYTES })).status, 403);
    const tooMany = await fetch(prepared.url, { method: "PUT", body: new Uint8Array(BYTES.byteLength + 10) });
    assert.equal(tooMany.status, 413);
    assert.deepEqual(uploads(), []);
  });

  test("bytes that do not match the announced checksum are refused at commit and removed", async () => {
    const prepared = await prepare(VISIT, `sha256:${"0".repeat(64)}`);
    assert.equal((await fetch(prepared.url, { method: "PUT", body: BYTES })).status, 201);
    await assert.rejects(
      connection.postJson("/v1/put/commit", { upload_id: prepared.upload_id }),
      (err: unknown) => isButlerError(err, "INVALID_ARGUMENT") && /checksum/.test((err as Error).message),
    );
    assert.deepEqual(uploads(), []);
    assert.equal(
      await served.butler.registry
        .findDataset("visitSummary", { instrument: "DemoCam", visit: VISIT }, { collections: ["u/uploads"] })
        .catch(() => null),
      null,
    );
  });

  test("a forged upload id is refused", async () => {
    const prepared = await prepare(VISIT);
    const [payload] = prepared.upload_id.split(".");
    const forged = JSON.parse(Buffer.from(payload!, "base64url").toString());
    forged.size = 1;
    const id = `${Buffer.from(JSON.stringify(forged)).toString("base64url")}.${prepared.upload_id.split(".")[1]}`;
    await assert.rejects(
      connection.postJson("/v1/put/commit", { upload_id: id }),
      (err: unknown) =>
        isButlerError(err, "INVALID_ARGUMENT") && /not issued by this server/.test((err as Error).message),
    );
  });

  test("a committed upload becomes the dataset, with nothing left behind", async () => {
    const prepared = await prepare(VISIT);
    assert.equal((await fetch(prepared.url, { method: "PUT", body: BYTES })).status, 201);
    const committed = await connection.postJson<{ dataset_ref: { id: string } }>("/v1/put/commit", {
      upload_id: prepared.upload_id,
    });
    const ref = await served.butler.registry.getDataset(committed.dataset_ref.id);
    assert.equal(ref?.run, "u/uploads");
    assert.deepEqual(await served.butler.get(ref!), { seeing: 0.5 });
    assert.deepEqual(uploads(), []);
  });

  test("an upload with a dataset_id becomes the dataset with that ID; a taken or malformed ID is refused", async () => {
    const id = randomUUID();
    await assert.rejects(
      prepare(VISIT, CHECKSUM, BYTES.byteLength, { dataset_id: "not-a-uuid", run: "u/uploads/ids" }),
      (err: unknown) => isButlerError(err, "INVALID_DATASET_ID"),
    );
    const prepared = await prepare(VISIT, CHECKSUM, BYTES.byteLength, {
      dataset_id: id.toUpperCase(),
      run: "u/uploads/ids",
    });
    assert.equal((await fetch(prepared.url, { method: "PUT", body: BYTES })).status, 201);
    const committed = await connection.postJson<{ dataset_ref: { id: string } }>("/v1/put/commit", {
      upload_id: prepared.upload_id,
    });
    assert.equal(committed.dataset_ref.id, id);
    const ref = await served.butler.registry.getDataset(id);
    assert.equal(ref?.run, "u/uploads/ids");
    assert.equal(ref?.dataId.get("visit"), VISIT);
    // The ID is taken now, whatever run the next put names.
    await assert.rejects(
      prepare(VISIT, CHECKSUM, BYTES.byteLength, { dataset_id: id, run: "u/uploads/other" }),
      (err: unknown) =>
        isButlerError(err, "CONFLICTING_DEFINITION") &&
        new RegExp(`a dataset with id ${id} already exists`).test(String(err)),
    );
    assert.deepEqual(uploads(), []);
  });
});
