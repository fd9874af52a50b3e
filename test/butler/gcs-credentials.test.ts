/**
 * A repository whose datastore root is `gs://`, read with each kind of credential. The files are put
 * with an HMAC key (s3rver as the XML API endpoint), then served by nginx under the same bucket and
 * keys: from its `/bearer/` view, which answers 401 unless the request carries a token the test's
 * token server issued (for a service-account key file, or as the compute metadata server), and from
 * its open view for anonymous reads. nginx's access log is the server-side count of the requests.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { Butler } from "../../src/butler/index.ts";
import type { DatasetRef } from "../../src/core/index.ts";
import type { Box2I } from "../../src/image/box.ts";
import type { Exposure } from "../../src/image/exposure.ts";
import { resourcePath } from "../../src/resources/from-uri.ts";
import { closeGcsClients } from "../../src/resources/gcs-client.ts";
import { GoogleTokenServer } from "../support/servers/google-token.ts";
import { NginxServer, nginxUnavailable } from "../support/servers/nginx.ts";
import { S3RVER_KEY, S3Server } from "../support/servers/s3rver.ts";
import { calexpExposure, calexpType, DATA_ID, freshDir, loadHscDimensions, open, RUN } from "./helpers.ts";

const BUCKET = "butler-gcs-credentials";
const ROOT = `gs://${BUCKET}/repo/`;
const ENV = [
  "GCS_ENDPOINT_URL",
  "GS_ACCESS_KEY_ID",
  "GS_SECRET_ACCESS_KEY",
  "GCS_ANONYMOUS",
  "GOOGLE_APPLICATION_CREDENTIALS",
  "GCE_METADATA_HOST",
  "METADATA_SERVER_DETECTION",
  "CLOUDSDK_CONFIG",
  "DAF_BUTLER_CACHE_DIRECTORY",
  "DAF_BUTLER_CACHE_DIRECTORY_IF_UNSET",
  "DAF_BUTLER_CACHE_EXPIRATION_MODE",
];

describe("a gs:// repository read with each kind of credential", { skip: nginxUnavailable() }, () => {
  const saved: Record<string, string | undefined> = {};
  let s3: S3Server;
  let nginx: NginxServer;
  let tokens: GoogleTokenServer;
  let dir: string;
  let keyFile: string;
  let repo: string;
  let ref: DatasetRef;
  let exposure: Exposure;
  let headerBytes: number;

  before(async () => {
    for (const key of ENV) {
      saved[key] = process.env[key];
      delete process.env[key];
    }
    exposure = await calexpExposure();
    [s3, nginx, tokens] = await Promise.all([
      S3Server.start([BUCKET]),
      NginxServer.start({ bearerTokens: ["sa-token-1", "md-token-1"] }),
      GoogleTokenServer.start(),
    ]);
    dir = mkdtempSync(join(tmpdir(), "butler-gcs-credentials-"));
    keyFile = tokens.serviceAccountKey(dir);
    process.env.CLOUDSDK_CONFIG = join(dir, "gcloud");

    // Written with an HMAC key.
    process.env.GCS_ENDPOINT_URL = s3.origin;
    process.env.GS_ACCESS_KEY_ID = S3RVER_KEY;
    process.env.GS_SECRET_ACCESS_KEY = S3RVER_KEY;
    repo = freshDir("gcs-repo");
    await Butler.create(repo, {
      seedConfig: { datastore: { root: ROOT, cached: { root: freshDir("cache") } } },
      override: true,
    });
    const writer = await open(repo, { run: RUN });
    try {
      await loadHscDimensions(writer);
      await writer.registry.registerDatasetType(calexpType(writer));
      ref = await writer.put(exposure, "calexp", DATA_ID);
      const record = await writer.datastore.getRecord(ref.id);
      assert.ok(record.byteIndex?.kind === "fits");
      headerBytes = record.byteIndex.hdus[0]!.headerLength + record.byteIndex.hdus[1]!.headerLength;
    } finally {
      await writer.close();
    }
    // The same objects, under the same bucket and keys, on nginx.
    const base = resourcePath(ROOT);
    assert.equal((await base.list()).length, 1);
    for (const entry of await base.list()) {
      await nginx.putFile(`${BUCKET}/repo/${entry.path.relativeTo(base)}`, await entry.path.read());
    }
    await closeGcsClients();
  });

  after(async () => {
    await closeGcsClients();
    await Promise.all([s3?.stop(), nginx?.stop(), tokens?.close()]);
    rmSync(dir, { recursive: true, force: true });
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  beforeEach(async () => {
    await closeGcsClients();
    for (const key of ["GS_ACCESS_KEY_ID", "GS_SECRET_ACCESS_KEY", "GOOGLE_APPLICATION_CREDENTIALS"]) {
      delete process.env[key];
    }
    tokens.reset();
    // Each test starts with an empty local cache, so that its reads reach the server.
    process.env.DAF_BUTLER_CACHE_DIRECTORY = freshDir("cache");
    await nginx.mark();
  });

  /** calexp.metadata is one ranged GET of the headers with `authorization`; then the whole calexp. */
  async function readsWith(authorization: string): Promise<void> {
    const reader = await open(repo, { collections: RUN });
    try {
      assert.ok(await reader.get("calexp.metadata", DATA_ID));
      const seen = await nginx.requests(1);
      assert.deepEqual(
        seen.map((e) => [e.method, e.range, e.status, e.authorization]),
        [["GET", `bytes=0-${headerBytes - 1}`, 206, authorization]],
      );
      assert.ok(seen[0]!.bytes <= Math.ceil(headerBytes / 2880) * 2880);
      const bbox = await reader.get<Box2I>("calexp.bbox", DATA_ID);
      assert.ok(bbox.equals(exposure.bbox));
      const whole = await reader.get<Exposure>("calexp", DATA_ID);
      assert.ok(whole.maskedImage.equals(exposure.maskedImage));
      const rest = await nginx.requests(1);
      assert.ok(rest.length >= 1);
      assert.ok(rest.every((e) => e.authorization === authorization && e.status < 300));
    } finally {
      await reader.close();
    }
  }

  test("a service-account key file: bearer tokens from its token endpoint", async () => {
    process.env.GCS_ENDPOINT_URL = `${nginx.origin}/bearer`;
    process.env.GOOGLE_APPLICATION_CREDENTIALS = keyFile;
    await readsWith("Bearer sa-token-1");
    assert.deepEqual(
      tokens.requests.map((r) => r.token),
      ["sa-token-1"],
    );
  });

  test("the compute metadata server: bearer tokens from it", async () => {
    process.env.GCS_ENDPOINT_URL = `${nginx.origin}/bearer`;
    process.env.GCE_METADATA_HOST = tokens.host;
    try {
      await readsWith("Bearer md-token-1");
    } finally {
      delete process.env.GCE_METADATA_HOST;
    }
    assert.deepEqual(
      tokens.requests.map((r) => r.token),
      ["md-token-1"],
    );
  });

  test("anonymous reads of a public bucket", async () => {
    process.env.GCS_ENDPOINT_URL = nginx.origin;
    process.env.GCS_ANONYMOUS = "1";
    try {
      await readsWith("");
    } finally {
      delete process.env.GCS_ANONYMOUS;
    }
    assert.deepEqual(tokens.requests, []);
  });
});
