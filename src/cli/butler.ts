#!/usr/bin/env node
/** The `butler` executable: runs the program on the command line's arguments and exits with its status. */
import { endQuietlyOnClosedPipe } from "./closed-pipe.ts";
import { main } from "./main.ts";

// The AWS SDK's notice that its future releases will need a newer Node speaks to developers, not to
// someone running a butler command; it would otherwise follow every command that touches S3.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
endQuietlyOnClosedPipe();
process.exitCode = await main(process.argv.slice(2));
