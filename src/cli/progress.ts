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

/** A bar labelled `label`; a no-op when progress is off or stderr is not a terminal. */
export function progressBar(label: string): Progress {
  if (!enabled || !process.stderr.isTTY) return { update() {}, done() {} };
  let last = 0;
  let shown = false;
  const draw = (done: number, total: number) => {
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(fraction * WIDTH);
    process.stderr.write(`\r${label} [${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${done}/${total}`);
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
