/**
 * A one-line progress bar on stderr, shown only on a terminal and unless `--no-progress` was given, so
 * scripts and logs never see it.
 */
let enabled = true;

/** Set from the global `--progress/--no-progress` option. */
export function setProgressEnabled(value: boolean): void {
  enabled = value;
}

export interface Progress {
  update(done: number, total: number): void;
  done(): void;
}

const WIDTH = 30;
/** At most this many redraws a second. */
const REDRAW_MS = 100;

/** `m:ss` (or `h:mm:ss`) for a number of seconds. */
function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const hours = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60));
  const ss = String(s % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${mm.padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

/** One drawing of the bar: how far, how fast, and how long is left at that pace. */
export function progressLine(label: string, done: number, total: number, elapsedMs: number): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(fraction * WIDTH);
  let line = `${label} [${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${done}/${total}`;
  if (done > 0 && elapsedMs > 0) {
    const perSecond = done / (elapsedMs / 1000);
    line += ` ${perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1)}/s`;
    line += done < total ? ` ${clock((total - done) / perSecond)} left` : ` in ${clock(elapsedMs / 1000)}`;
  }
  return line;
}

/** A bar labelled `label`; a no-op when progress is off or stderr is not a terminal. */
export function progressBar(label: string): Progress {
  if (!enabled || !process.stderr.isTTY) return { update() {}, done() {} };
  const started = Date.now();
  let last = 0;
  let shown = false;
  let width = 0;
  const draw = (done: number, total: number) => {
    const line = progressLine(label, done, total, Date.now() - started);
    // Pad over the end of a longer previous line (the time left shrinks as it counts down).
    process.stderr.write(`\r${line.padEnd(width)}`);
    width = line.length;
    shown = true;
  };
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < REDRAW_MS && done < total) return;
      last = now;
      draw(done, total);
    },
    done() {
      if (shown) process.stderr.write("\n");
    },
  };
}
