/**
 * Goals, daf_butler's recorded numbers (shared research, daf_butler-measured.md §2, SQLite, this
 * machine, 100,000 datasets) and the printed tables.
 */
import type { CaseMeasurement, CaseResult, Timing } from "./run-case.ts";

/** daf_butler's medians, ms (findDataset: per call). */
export const DAF_BUTLER = {
  insert: 104_400,
  findFirst: 5_810,
  findFirstWhere: 5_190,
  dataIds: 482,
  findDataset: 12.14,
} as const;

/**
 * Goals on SQLite at 100,000 datasets: a time (ms; findDataset per call) and a ratio to the
 * hand-written SQL giving the same answer.
 */
export const GOALS: Readonly<Record<GoalKey, { readonly ms: number; readonly handRatio: number }>> = {
  insert: { ms: 2_000, handRatio: 1.5 },
  findFirst: { ms: 300, handRatio: 1.3 },
  findFirstWhere: { ms: 300, handRatio: 1.3 },
  dataIds: { ms: 100, handRatio: 1.5 },
  findDataset: { ms: 0.3, handRatio: 2 },
};

type GoalKey = keyof typeof DAF_BUTLER;

/** Which goal and daf_butler number a measurement is compared with. */
function keyOf(name: string): GoalKey | null {
  if (name.startsWith("find-first over")) return "findFirst";
  if (name.startsWith("find-first, where")) return "findFirstWhere";
  if (name.startsWith("data IDs, every")) return "dataIds";
  if (name.startsWith("findDataset")) return "findDataset";
  return null;
}

function fmtMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(2)} ms`;
}

function fmtRate(rows: number, ms: number): string {
  const perSecond = rows / (ms / 1000);
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M/s` : `${(perSecond / 1e3).toFixed(0)} k/s`;
}

export interface Row {
  readonly engine: string;
  readonly datasets: number;
  readonly name: string;
  readonly rows: number;
  readonly api: string;
  readonly cpu: string;
  readonly rate: string;
  readonly hand: string;
  readonly vsHand: string;
  readonly vsDafButler: string;
  readonly goal: string;
  readonly met: string;
}

function verdict(
  engine: string,
  datasets: number,
  key: GoalKey | null,
  value: number | null,
  ratio: number | null,
): { goal: string; met: string } {
  if (engine !== "sqlite" || datasets !== 100_000 || key === null) return { goal: "—", met: "—" };
  const { ms: limit, handRatio } = GOALS[key];
  const unit = key === "findDataset" ? " /call" : "";
  const goal = `≤ ${fmtMs(limit)}${unit}, ≤ ${handRatio}× SQL`;
  if (value === null) return { goal, met: "n/a" };
  const timeOk = value <= limit;
  const ratioOk = ratio !== null && ratio <= handRatio;
  return {
    goal,
    met:
      timeOk && ratioOk
        ? "yes"
        : `NO (${[timeOk ? "" : "time", ratioOk ? "" : "ratio"].filter(Boolean).join(", ")})`,
  };
}

function row(
  result: CaseResult,
  name: string,
  rows: number,
  api: Timing | null,
  hand: Timing,
  key: GoalKey | null,
  perCall = 1,
  failed = false,
): Row {
  const apiMs = api === null ? null : api.ms / perCall;
  const handMs = hand.ms / perCall;
  const ratio = apiMs === null ? null : apiMs / handMs;
  const daf = key === null ? null : DAF_BUTLER[key];
  const { goal, met } = verdict(result.engine, result.datasets, key, apiMs, ratio);
  return {
    engine: result.engine,
    datasets: result.datasets,
    name,
    rows,
    api:
      apiMs === null
        ? failed
          ? "failed"
          : "not available"
        : `${fmtMs(apiMs)}${perCall > 1 ? " /call" : ""}`,
    cpu: api === null ? "—" : fmtMs(api.cpuMs / perCall),
    rate: api === null ? "—" : fmtRate(rows, api.ms),
    hand: `${fmtMs(handMs)}${perCall > 1 ? " /call" : ""}`,
    vsHand: ratio === null ? "—" : `${ratio.toFixed(2)}×`,
    vsDafButler:
      apiMs === null || daf === null || result.datasets !== 100_000
        ? "—"
        : `${(daf / apiMs).toFixed(daf / apiMs >= 100 ? 0 : 1)}× faster`,
    goal,
    met,
  };
}

export function rowsOf(result: CaseResult): Row[] {
  const out: Row[] = [
    row(
      result,
      "insert (300 insertDatasets calls)",
      result.datasets,
      result.insert.api,
      result.insert.hand,
      "insert",
    ),
  ];
  for (const q of result.queries as CaseMeasurement[]) {
    const failed = q.note !== undefined && /Error: /.test(q.note);
    out.push(row(result, q.name, q.rows, q.api, q.hand, keyOf(q.name), q.perCall ?? 1, failed));
  }
  return out;
}

const HEADER = [
  "engine",
  "datasets",
  "case",
  "rows",
  "registry",
  "cpu",
  "rows/s",
  "hand SQL",
  "vs SQL",
  "vs daf_butler",
  "goal",
  "met",
];

export function markdownTable(rows: readonly Row[]): string {
  const lines = [`| ${HEADER.join(" | ")} |`, `|${HEADER.map(() => "---").join("|")}|`];
  for (const r of rows) {
    lines.push(
      `| ${[r.engine, r.datasets.toLocaleString("en-US"), r.name, r.rows.toLocaleString("en-US"), r.api, r.cpu, r.rate, r.hand, r.vsHand, r.vsDafButler, r.goal, r.met].join(" | ")} |`,
    );
  }
  return lines.join("\n");
}

export function memoryLine(result: CaseResult): string {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  return (
    `${result.engine} ${result.datasets.toLocaleString("en-US")}: peak RSS ${mib(result.maxRssBytes)}, ` +
    `peak heap ${mib(result.peakHeapBytes)}, analyze ${fmtMs(result.analyzeMs)}, answers ` +
    `${[result.insert.sameAnswer, ...result.queries.map((q) => q.sameAnswer)].every((x) => x !== false) ? "equal" : "DIFFER"}` +
    (result.mismatches.length > 0 ? `; MISMATCHES: ${result.mismatches.join("; ")}` : "")
  );
}
