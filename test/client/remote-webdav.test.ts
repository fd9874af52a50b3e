/**
 * RemoteButler on a repository whose files live on WebDAV (nginx): WebDAV cannot pre-sign, so the
 * server hands out its own signed byte route and relays the range, and a put goes through the
 * server's signed upload route into the WebDAV root and is moved into place there.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Butler } from "../../src/butler/index.ts";
import { closeSharedDispatcher } from "../../src/bytes/http-client.ts";
import { RemoteButler } from "../../src/client/remote-butler.ts";
import { NginxServer, nginxUnavailable } from "../support/servers/nginx.ts";
import { DEMO_CHAIN, makeSmallDemo, registerVisitSummary, type ServedDemo, serve } from "./helpers.ts";

const skip = nginxUnavailable();
const CALEXP_ID = { instrument: "DemoCam", visit: 2026031000, detector: 1 };

let nginx: NginxServer;
let served: ServedDemo;
let local: Butler;

describe("a WebDAV root through the server", { skip }, () => {
  before(async () => {
    nginx = await NginxServer.start();
    served = await serve(await makeSmallDemo(`${nginx.origin}/demo/`));
    local = await Butler.open(served.repo, { collections: DEMO_CHAIN });
  });

  after(async () => {
    await local?.close();
    await served?.close();
    await closeSharedDispatcher();
    await nginx?.stop();
  });

  test("calexp.metadata is one call to the server and one relayed ranged read", async () => {
    const remote = await RemoteButler.open(served.url, { collections: DEMO_CHAIN });
    served.seen.length = 0;
    const header = await remote.get("calexp.metadata", CALEXP_ID);
    assert.equal(served.apiCalls().length, 1);
    const reads = served.byteReads();
    assert.equal(reads.length, 1);
    assert.match(reads[0]!.range, /^bytes=0-\d+$/);
    assert.deepEqual(header, await local.get("calexp.metadata", CALEXP_ID));
  });

  test("a put goes through the signed upload route into the WebDAV root", async () => {
    await registerVisitSummary(served.butler);
    const writer = await RemoteButler.open(served.url, { run: "u/remote/dav" });
    const ref = await writer.put({ seeing: 0.8 }, "visitSummary", {
      instrument: "DemoCam",
      visit: CALEXP_ID.visit,
    });
    assert.deepEqual(await writer.get(ref), { seeing: 0.8 });
    const uploads = join(nginx.root, "demo", ".butler-uploads");
    assert.deepEqual(existsSync(uploads) ? readdirSync(uploads) : [], []);
  });
});
