/**
 * Nothing left behind: a write removes the stale temporaries of dead writes from its directory, and
 * `butler verify` finds records without files (or with other sizes or checksums), files without
 * records, temporaries and trash, and `--fix` repairs only what is safe: stale litter and the trash,
 * never a file that has a record, never a record.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { Butler, verifyRepository } from "../../src/butler/index.ts";
import { isClean, UPLOAD_DIR } from "../../src/datastore/index.ts";
import { runButler } from "../support/cli.ts";
import {
  calexpExposure,
  calexpType,
  DATA_ID,
  freshDir,
  loadHscDimensions,
  open,
  RUN,
  tree,
} from "./helpers.ts";

const butlerCli = runButler;

/** A repository (checksums on) with calexps for the detectors given. */
async function repoWith(detectors: number[]): Promise<{ repo: string; butler: Butler; files: string[] }> {
  const repo = freshDir("repo");
  await Butler.create(repo, { seedConfig: { datastore: { checksum: true } } });
  const butler = await open(repo, { run: RUN });
  await loadHscDimensions(butler);
  await butler.registry.registerDatasetType(calexpType(butler));
  const exposure = await calexpExposure();
  const files: string[] = [];
  for (const detector of detectors) {
    const ref = await butler.put(exposure, "calexp", { ...DATA_ID, detector });
    files.push((await butler.datastore.getRecord(ref.id)).path);
  }
  return { repo, butler, files };
}

function age(file: string, seconds: number): void {
  const when = new Date(Date.now() - seconds * 1000);
  utimesSync(file, when, when);
}

describe("temporaries of dead writes", () => {
  test("the next write into a directory removes the stale ones and keeps young ones", async () => {
    const { repo, butler, files } = await repoWith([16]);
    const dir = join(repo, dirname(files[0]!));
    const stale = join(dir, ".calexp_HSC_903334_17.fits.tmp-0a1b2c3d4e5f");
    const young = join(dir, ".calexp_HSC_903334_18.fits.tmp-abcdef012345");
    writeFileSync(stale, "left by a killed put");
    writeFileSync(young, "a put in progress");
    age(stale, 7200);
    // The next writer (another process: a fresh butler) puts into the same directory (same visit).
    await butler.close();
    const next = await open(repo, { run: RUN });
    await next.put(await calexpExposure(), "calexp", { ...DATA_ID, detector: 17 });
    assert.equal(existsSync(stale), false);
    assert.equal(existsSync(young), true);
  });

  test("tempGracePeriod in butler.yaml sets the grace period", async () => {
    const repo = freshDir("repo");
    await Butler.create(repo, { seedConfig: { datastore: { tempGracePeriod: 0 } } });
    const butler = await open(repo, { writeable: true });
    assert.equal(butler.datastore.tempGracePeriodMs, 0);
    const bad = freshDir("repo");
    await Butler.create(bad, { seedConfig: { datastore: { tempGracePeriod: -1 } } });
    await assert.rejects(Butler.open(bad), /tempGracePeriod/);
  });
});

describe("butler verify", () => {
  test("a clean repository is clean", async () => {
    const { repo } = await repoWith([16, 17]);
    const result = await butlerCli("verify", repo, "--checksums");
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /Checked 2 records and 2 files: no problems left/);
  });

  test("finds every kind of problem; --fix repairs only what is safe", async () => {
    const { repo, butler, files } = await repoWith([16, 17, 18, 22]);
    const [lost, altered, changed, trashed] = files as [string, string, string, string];
    rmSync(join(repo, lost));
    writeFileSync(join(repo, altered), "shorter");
    // Same size, other bytes: only --checksums sees it.
    const bytes = readFileSync(join(repo, changed));
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(join(repo, changed), bytes);
    // A removal that died after COMMIT, before deleting its file.
    const [trashRef] = await butler.registry.queryDatasets("calexp", {
      collections: RUN,
      where: "detector = 22",
      dataId: { instrument: "HSC" },
    });
    await butler.datastore.trash([trashRef!]);
    const dir = join(repo, dirname(lost));
    const temp = join(dir, ".calexp.fits.tmp-0123456789ab");
    writeFileSync(temp, "temporary");
    age(temp, 7200);
    const orphan = join(dir, "orphan.fits");
    writeFileSync(orphan, "no record");
    age(orphan, 7200);
    const youngOrphan = join(dir, "young.fits");
    writeFileSync(youngOrphan, "maybe a put in progress");

    const plain = await butlerCli("verify", repo, "--format", "json");
    assert.equal(plain.status, 1);
    assert.match(plain.stderr, /\[VERIFY_FAILED\].*butler verify --fix/);
    const rows = JSON.parse(plain.stdout) as { problem: string; path: string; fixed: boolean }[];
    const kinds = rows.map((r) => `${r.problem}:${r.path.slice(r.path.lastIndexOf("/") + 1)}`).sort();
    assert.deepEqual(kinds, [
      `missing file:${lost.slice(lost.lastIndexOf("/") + 1)}`,
      "no record:orphan.fits",
      "no record:young.fits",
      `temporary:.calexp.fits.tmp-0123456789ab`,
      `trash:${trashed.slice(trashed.lastIndexOf("/") + 1)}`,
      `wrong size:${altered.slice(altered.lastIndexOf("/") + 1)}`,
    ]);
    assert.ok(rows.every((r) => !r.fixed));
    const withChecksums = await verifyRepository(butler, { checksums: true });
    assert.deepEqual(
      withChecksums.wrongChecksum.map((p) => p.path),
      [changed],
    );

    const fixed = await butlerCli("verify", repo, "--fix");
    assert.equal(fixed.status, 1, "the lost and altered files stay problems");
    assert.equal(existsSync(temp), false);
    assert.equal(existsSync(orphan), false);
    assert.equal(existsSync(youngOrphan), true, "younger than the grace period");
    assert.equal(existsSync(join(repo, trashed)), false);
    assert.deepEqual(await butler.datastore.records.listTrash(), []);
    // Records are never removed, and files with records never deleted.
    const after = await verifyRepository(butler, { checksums: true });
    assert.equal(after.records, 3);
    assert.deepEqual(
      after.missing.map((p) => p.path),
      [lost],
    );
    assert.deepEqual(
      after.wrongSize.map((p) => p.path),
      [altered],
    );
    assert.ok(existsSync(join(repo, altered)) && existsSync(join(repo, changed)));
    assert.equal(isClean(after), false);
    // The young orphan goes once it is old enough, here with --grace 0.
    const again = await butlerCli("verify", repo, "--fix", "--grace", "0");
    assert.equal(again.status, 1);
    assert.equal(existsSync(youngOrphan), false);
    assert.ok(tree(repo).includes("butler.yaml"), "the repository's own files are not orphans");
  });

  test("a bad --grace is a usage error", async () => {
    const { repo } = await repoWith([16]);
    const bad = await butlerCli("verify", repo, "--grace", "soon");
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--grace takes a number of seconds/);
  });

  test("a server's uploads are temporaries, stale once their expiry has passed, never orphans", async () => {
    const { repo, butler } = await repoWith([10]);
    const uploads = join(repo, UPLOAD_DIR);
    mkdirSync(uploads);
    const now = Math.floor(Date.now() / 1000);
    const expired = join(uploads, `${now - 60}-${"a".repeat(24)}.fits`);
    const pending = join(uploads, `${now + 3600}-${"b".repeat(24)}.fits`);
    writeFileSync(expired, "abandoned upload");
    writeFileSync(pending, "upload in progress");

    const report = await verifyRepository(butler);
    assert.deepEqual(report.orphans, []);
    assert.deepEqual(report.temporaries.map((t) => [t.path, t.stale]).sort(), [
      [`${UPLOAD_DIR}/${now - 60}-${"a".repeat(24)}.fits`, true],
      [`${UPLOAD_DIR}/${now + 3600}-${"b".repeat(24)}.fits`, false],
    ]);
    const fixed = await verifyRepository(butler, { fix: true });
    assert.ok(isClean(fixed));
    assert.equal(existsSync(expired), false);
    assert.equal(existsSync(pending), true, "an upload that has not expired may still be committed");
  });
});
