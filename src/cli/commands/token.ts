/**
 * `butler token create|list|revoke REPO …`: the bearer tokens the repository's servers accept. Tokens
 * are kept hashed in the registry, so `create` prints the token once and `list` never shows one.
 */
import { type Command, InvalidArgumentError as CommanderArgumentError } from "commander";
import type { TokenRecord } from "../../registry/index.ts";
import { parseDuration } from "../../server/duration.ts";
import { type OutputFormat, renderRows } from "../output.ts";
import { addFormatOption, splitCommas, withButler } from "../repo-command.ts";

const COLUMNS = ["id", "user", "groups", "created", "expires", "status"] as const;

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function statusOf(record: TokenRecord, now: number): string {
  if (record.revoked) return "revoked";
  if (record.expiresAt !== null && record.expiresAt <= now) return "expired";
  return "active";
}

function durationOption(value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new CommanderArgumentError((err as Error).message);
  }
}

export function register(program: Command): void {
  const token = program
    .command("token")
    .description("Create, list and revoke the bearer tokens a repository's servers accept.");

  token
    .command("create")
    .description("Create a token for a user and print it (the only time it is shown).")
    .argument("<repo>", "repository directory or its butler.yaml")
    .requiredOption("--user <name>", "the user the token authenticates")
    .option("--group <name>", "a group of the user (repeatable or comma-separated)", splitCommas)
    .option(
      "--expires <duration>",
      "lifetime, e.g. 90s, 12h, 30d, 2w (never expires when absent)",
      durationOption,
    )
    .action(async (repo: string, options: { user: string; group?: string[]; expires?: number }) => {
      await withButler(repo, { writeable: true }, async (butler) => {
        const now = Date.now();
        const { token: secret, record } = await butler.registry.tokens.create(
          {
            user: options.user,
            groups: options.group ?? [],
            expiresAt: options.expires === undefined ? null : now + options.expires * 1000,
          },
          now,
        );
        process.stdout.write(`${secret}\n`);
        process.stderr.write(
          `Token ${record.id} for ${record.user}${record.groups.length > 0 ? ` (groups: ${record.groups.join(", ")})` : ""}, ` +
            `${record.expiresAt === null ? "no expiry" : `expires ${iso(record.expiresAt)}`}. ` +
            "It is not stored and cannot be shown again.\n",
        );
      });
    });

  addFormatOption(
    token
      .command("list")
      .description("List the tokens (ids, users, groups, times, status); never the tokens themselves.")
      .argument("<repo>", "repository directory or its butler.yaml"),
  ).action(async (repo: string, options: { format: OutputFormat }) => {
    await withButler(repo, { writeable: false }, async (butler) => {
      const now = Date.now();
      const rows = (await butler.registry.tokens.list()).map((r) => ({
        id: r.id,
        user: r.user,
        groups: r.groups.join(","),
        created: iso(r.createdAt),
        expires: iso(r.expiresAt),
        status: statusOf(r, now),
      }));
      if (rows.length === 0 && options.format === "table") {
        process.stdout.write("No tokens.\n");
        return;
      }
      process.stdout.write(renderRows(rows, COLUMNS, options.format));
    });
  });

  token
    .command("revoke")
    .description("Revoke a token by its id; servers refuse it from then on.")
    .argument("<repo>", "repository directory or its butler.yaml")
    .argument("<token-id>", "the token's id, as 'butler token list' shows it")
    .action(async (repo: string, id: string) => {
      await withButler(repo, { writeable: true }, async (butler) => {
        const record = await butler.registry.tokens.revoke(id);
        process.stdout.write(`Revoked token ${record.id} of ${record.user}.\n`);
      });
    });
}
