/**
 * Named, levelled loggers, as daf_butler's CLI exposes them (`--log-level timer=debug`). A logger's level
 * comes from the most specific configured prefix of its dotted name; the `timer` loggers report where the
 * time of an operation went. Dependency-free so every layer can log.
 */
export type LogLevel = "trace" | "debug" | "verbose" | "info" | "warning" | "error" | "critical";

const LOG_LEVELS: readonly LogLevel[] = ["trace", "debug", "verbose", "info", "warning", "error", "critical"];

const RANK: Record<LogLevel, number> = {
  trace: 5,
  debug: 10,
  verbose: 15,
  info: 20,
  warning: 30,
  error: 40,
  critical: 50,
};

export interface LogRecord {
  logger: string;
  level: LogLevel;
  message: string;
  time: Date;
  fields?: Record<string, unknown>;
}

export type LogSink = (record: LogRecord) => void;

const levels = new Map<string, LogLevel>([["", "warning"]]);
let sinks: LogSink[] = [defaultSink];

function defaultSink(record: LogRecord): void {
  const fields = record.fields
    ? ` ${JSON.stringify(record.fields, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`
    : "";
  process.stderr.write(`${record.level.toUpperCase()} ${record.logger}: ${record.message}${fields}\n`);
}

/**
 * daf_butler's logger names, accepted for ours: its timers live under `timer.lsst.daf.butler` (ours
 * under `timer`), everything else under `lsst.daf.butler` (ours at the root, timers apart).
 */
const DAF_BUTLER_NAMES: readonly (readonly [string, string])[] = [
  ["timer.lsst.daf.butler", "timer"],
  ["lsst.daf.butler", ""],
];

/** Our name for a logger name, translating daf_butler's (`timer.lsst.daf.butler.x` → `timer.x`). */
function loggerName(name: string): string {
  for (const [theirs, ours] of DAF_BUTLER_NAMES) {
    if (name === theirs) return ours;
    if (name.startsWith(`${theirs}.`)) {
      const rest = name.slice(theirs.length + 1);
      return ours === "" ? rest : `${ours}.${rest}`;
    }
  }
  return name;
}

/**
 * Sets the level of a logger and its children (`""` is the root); daf_butler's names are accepted.
 * `lsst.daf.butler` sets every logger but the timers, which keep their level, as in daf_butler.
 */
export function setLogLevel(name: string, level: LogLevel): void {
  if (name === "lsst.daf.butler" && !levels.has("timer")) levels.set("timer", effectiveLevel("timer"));
  levels.set(loggerName(name), level);
}

/** Replaces where records go (tests, `--log-file`); returns the previous sinks. */
export function setLogSinks(next: LogSink[]): LogSink[] {
  const previous = sinks;
  sinks = next;
  return previous;
}

/** Resets levels to the default (warnings and worse from every logger). */
export function resetLogLevels(): void {
  levels.clear();
  levels.set("", "warning");
}

function effectiveLevel(name: string): LogLevel {
  for (let prefix = name; ; ) {
    const level = levels.get(prefix);
    if (level !== undefined) return level;
    if (prefix === "") return "warning";
    const dot = prefix.lastIndexOf(".");
    prefix = dot < 0 ? "" : prefix.slice(0, dot);
  }
}

class Logger {
  readonly name: string;

  constructor(name: string) {
    this.name = name;
  }

  isEnabledFor(level: LogLevel): boolean {
    return RANK[level] >= RANK[effectiveLevel(this.name)];
  }

  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (!this.isEnabledFor(level)) return;
    const record: LogRecord = { logger: this.name, level, message, time: new Date() };
    if (fields !== undefined) record.fields = fields;
    for (const sink of sinks) sink(record);
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.log("debug", message, fields);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.log("info", message, fields);
  }

  warning(message: string, fields?: Record<string, unknown>): void {
    this.log("warning", message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.log("error", message, fields);
  }
}

export function getLogger(name: string): Logger {
  return new Logger(name);
}

/**
 * Runs `fn` and, when `timer.<name>` is enabled at debug, logs "<message>: took N ms" with any fields the
 * function adds (bytes, requests, cache hits); escalates to error if it throws, as daf_butler's timer does.
 */
export async function timeThis<T>(
  name: string,
  message: string,
  fn: (fields: Record<string, unknown>) => Promise<T>,
): Promise<T> {
  const logger = getLogger(`timer.${name}`);
  if (!logger.isEnabledFor("debug")) return fn({});
  const fields: Record<string, unknown> = {};
  const start = performance.now();
  try {
    const result = await fn(fields);
    logger.debug(`${message}: took ${(performance.now() - start).toFixed(3)} ms`, fields);
    return result;
  } catch (err) {
    logger.error(`${message}: failed after ${(performance.now() - start).toFixed(3)} ms`, fields);
    throw err;
  }
}

/** Parses a `--log-level` value: `LEVEL` or `COMPONENT=LEVEL` (case-insensitive levels). */
export function parseLogLevelOption(value: string): { name: string; level: LogLevel } {
  const eq = value.indexOf("=");
  const name = eq < 0 ? "" : value.slice(0, eq).trim();
  const levelText = (eq < 0 ? value : value.slice(eq + 1)).trim().toLowerCase();
  const level = (levelText === "warn" ? "warning" : levelText) as LogLevel;
  if (!LOG_LEVELS.includes(level)) {
    throw new RangeError(
      `unknown log level '${levelText}'; accepted: ${LOG_LEVELS.join(", ")} (as LEVEL or COMPONENT=LEVEL)`,
    );
  }
  return { name, level };
}
