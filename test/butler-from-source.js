#!/usr/bin/env node
// The `butler` command run from the TypeScript sources, so CLI tests need no build: tsx compiles on load.
import { register } from "tsx/esm/api";

register();
// While a module is compiled, the main thread waits on the loader's thread through a channel that does
// not keep the process alive: on a busy machine a lazily imported module (undici, a command) can leave
// the event loop empty, and Node ends the process with 13 (unsettled top-level await). Holding a timer
// until the command is done keeps the wait alive; the built command (dist/) has no loader thread.
const keepAlive = setInterval(() => {}, 60_000);
try {
  await import("../src/cli/butler.ts");
} finally {
  clearInterval(keepAlive);
}
