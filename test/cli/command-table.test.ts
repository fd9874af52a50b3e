/**
 * The CLI's command table (what `butler --help` lists and which module each command loads) against
 * what the command modules register, and the program-level behaviour built on it, run as the user
 * runs it: `--version`, `--help`, `help COMMAND`, a mistyped command, help without empty defaults.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Command } from "commander";
import { COMMAND_TABLE, type CommandModule } from "../../src/cli/command-table.ts";
import { runButler } from "../support/cli.ts";

const COMMANDS_DIR = join(import.meta.dirname, "../../src/cli/commands");

const butler = runButler;

describe("the command table", () => {
  test("each entry's module registers exactly that command, with that description", async () => {
    for (const entry of COMMAND_TABLE) {
      const program = new Command("butler");
      (await entry.load()).register(program);
      assert.deepEqual(
        program.commands.map((c) => c.name()),
        [entry.name],
        `${entry.name}'s module registers ${program.commands.map((c) => c.name())}`,
      );
      assert.equal(program.commands[0]!.description(), entry.description, entry.name);
    }
  });

  test("every command module is in the table, once", async () => {
    const fromTable = await Promise.all(COMMAND_TABLE.map((e) => e.load()));
    assert.equal(new Set(fromTable).size, COMMAND_TABLE.length, "a module is listed twice");
    assert.equal(
      new Set(COMMAND_TABLE.map((e) => e.name)).size,
      COMMAND_TABLE.length,
      "a name is listed twice",
    );
    const missing: string[] = [];
    for (const file of readdirSync(COMMANDS_DIR).filter((f) => f.endsWith(".ts"))) {
      const module = (await import(join(COMMANDS_DIR, file))) as CommandModule;
      if (!fromTable.includes(module)) missing.push(file);
    }
    assert.deepEqual(missing, [], "command modules missing from src/cli/command-table.ts");
  });
});

describe("the butler program", () => {
  test("--version prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, "../../package.json"), "utf8")) as {
      version: string;
    };
    const run = await butler("--version");
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, `${version}\n`);
  });

  test("--help lists every command of the table with its description", async () => {
    const run = await butler("--help");
    assert.equal(run.status, 0, run.stderr);
    const text = run.stdout.replace(/\s+/g, " ");
    for (const entry of COMMAND_TABLE)
      assert.ok(text.includes(`${entry.name} ${entry.description}`), entry.name);
    assert.doesNotMatch(run.stdout, /\(default: (\{\}|\[\])\)/);
  });

  test("a command's help, asked for after global options or as `help COMMAND`", async () => {
    for (const args of [
      ["--log-level", "info", "--log-file", "/dev/null", "query-datasets", "--help"],
      ["help", "query-datasets"],
    ]) {
      const run = await butler(...args);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /^Usage: butler query-datasets \[options\] <repo>/, args.join(" "));
    }
  });

  test("a mistyped command gets a suggestion and the usage status", async () => {
    const run = await butler("qurey-datasets", "repo");
    assert.equal(run.status, 2);
    assert.match(run.stderr, /unknown command 'qurey-datasets'\n\(Did you mean query-datasets\?\)/);
  });

  test("no command's help shows an empty default", async () => {
    const { buildProgram } = await import("../../src/cli/main.ts");
    for (const entry of COMMAND_TABLE) {
      const program = await buildProgram([entry.name]);
      const help = program.commands.find((c) => c.name() === entry.name)!.helpInformation();
      assert.match(help, new RegExp(`^Usage: butler ${entry.name} `), entry.name);
      assert.doesNotMatch(help, /\(default: (\{\}|\[\])\)/, entry.name);
    }
  });
});
