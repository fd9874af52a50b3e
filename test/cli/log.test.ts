import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import {
  getLogger,
  type LogRecord,
  parseLogLevelOption,
  resetLogLevels,
  setLogLevel,
  setLogSinks,
  timeThis,
} from "../../src/log.ts";

afterEach(() => resetLogLevels());

function capture(): { records: LogRecord[]; restore: () => void } {
  const records: LogRecord[] = [];
  const previous = setLogSinks([(r) => records.push(r)]);
  return { records, restore: () => setLogSinks(previous) };
}

test("levels follow the most specific dotted prefix", () => {
  setLogLevel("timer", "debug");
  assert.ok(getLogger("timer.butler.get").isEnabledFor("debug"));
  assert.ok(!getLogger("butler.get").isEnabledFor("debug"));
  assert.ok(getLogger("butler.get").isEnabledFor("warning"));
  setLogLevel("timer.butler", "error");
  assert.ok(!getLogger("timer.butler.get").isEnabledFor("debug"));
});

test("timeThis logs where the time went only when the timer logger is on", async () => {
  const { records, restore } = capture();
  try {
    await timeThis("butler.get", "read calexp.metadata", async (fields) => {
      fields.bytes = 14400;
    });
    assert.equal(records.length, 0);
    setLogLevel("timer", "debug");
    await timeThis("butler.get", "read calexp.metadata", async (fields) => {
      fields.bytes = 14400;
    });
    assert.equal(records.length, 1);
    assert.equal(records[0]!.logger, "timer.butler.get");
    assert.match(records[0]!.message, /^read calexp.metadata: took \d+\.\d{3} ms$/);
    assert.deepEqual(records[0]!.fields, { bytes: 14400 });
    await assert.rejects(timeThis("butler.get", "fails", async () => Promise.reject(new Error("x"))));
    assert.equal(records[1]!.level, "error");
  } finally {
    restore();
  }
});

test("--log-level values", () => {
  assert.deepEqual(parseLogLevelOption("timer=DEBUG"), { name: "timer", level: "debug" });
  assert.deepEqual(parseLogLevelOption("info"), { name: "", level: "info" });
  assert.throws(() => parseLogLevelOption("timer=loud"), /accepted: trace, debug/);
});

test("daf_butler's logger names are aliases of ours", () => {
  setLogLevel("timer.lsst.daf.butler", "debug");
  assert.ok(getLogger("timer.butler").isEnabledFor("debug"));
  assert.ok(getLogger("timer.datastore").isEnabledFor("debug"));
  assert.ok(!getLogger("datastore.cache").isEnabledFor("debug"));
  resetLogLevels();
  // lsst.daf.butler is every logger but the timers, which keep their level.
  setLogLevel("lsst.daf.butler", "debug");
  assert.ok(getLogger("datastore.cache").isEnabledFor("debug"));
  assert.ok(!getLogger("timer.butler").isEnabledFor("debug"));
  assert.ok(getLogger("timer.butler").isEnabledFor("warning"));
  resetLogLevels();
  setLogLevel("lsst.daf.butler.datastore", "info");
  assert.ok(getLogger("datastore.cache").isEnabledFor("info"));
  assert.ok(!getLogger("butler").isEnabledFor("info"));
});
