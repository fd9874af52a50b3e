/**
 * A reader that stops early (`butler … | head`) closes the pipe under the command; the next write
 * fails with EPIPE. That is the reader's choice, not a failure: end at once, quietly, with status 0,
 * as shell tools do.
 */
export function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    process.exit(0);
  });
}
