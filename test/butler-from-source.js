#!/usr/bin/env node
// The `butler` command run from the TypeScript sources, so CLI tests need no build: tsx compiles on load.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/butler.ts");
