import { EnvError } from '../../shared/src/env';
import { parseArgs, UsageError } from './args';
import { ApiError } from './client';
import { type CliIo, type Command, makeRun } from './command';
import { budgetCommands } from './commands/budgets';
import { configCommands } from './commands/configs';
import { guardrailCommands } from './commands/guardrails';
import { providerCommands } from './commands/providers';
import { rateLimitCommands } from './commands/rate-limits';
import { identityCommands } from './commands/identities';
import { keyCommands } from './commands/keys';
import { bootstrapCommand, claudeSettingsCommand } from './commands/setup';
import { observabilityCommands } from './commands/observability';
import { usageCommand } from './commands/usage';
import { workspaceCommands } from './commands/workspaces';

export type { CliIo } from './command';

export const COMMANDS: Command[] = [
  ...keyCommands,
  ...workspaceCommands,
  ...configCommands,
  ...budgetCommands,
  ...rateLimitCommands,
  ...guardrailCommands,
  ...providerCommands,
  ...identityCommands,
  usageCommand,
  ...observabilityCommands,
  claudeSettingsCommand,
  bootstrapCommand,
];

/** Exit codes: 0 done, 1 the gateway refused or could not be reached, 2 the command line was wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const HELP = `gatehouse — administer a Gatehouse gateway

Usage: gatehouse <command> [options]

${COMMANDS.map((c) => `  ${c.synopsis}`).join('\n')}

Every command that calls the gateway takes --url (or GATEHOUSE_URL) and an admin key in
GATEHOUSE_ADMIN_KEY (or --key). Output is a table; --json prints JSON for scripts.
Exit codes: 0 done, 1 refused by the gateway or unreachable, 2 wrong command line.
`;

function find(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  const two = COMMANDS.find((c) => c.name === `${argv[0]} ${argv[1]}`);
  if (two) return { command: two, rest: argv.slice(2) };
  const one = COMMANDS.find((c) => c.name === argv[0]);
  return one ? { command: one, rest: argv.slice(1) } : undefined;
}

/** The whole CLI as a function: argv in, exit code out; everything it touches comes through `io`. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(HELP);
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  const found = find(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
    const message = group.length
      ? `Unknown command "gatehouse ${argv.slice(0, 2).join(' ')}". Commands:\n${group.map((c) => `  gatehouse ${c.synopsis}`).join('\n')}`
      : `Unknown command "${argv[0]}". Run \`gatehouse --help\` for the list.`;
    io.stderr.write(`error: ${message}\n`);
    return EXIT.usage;
  }
  const { command, rest } = found;
  try {
    const args = parseArgs(rest, command.flags);
    if (args.has('help')) {
      io.stdout.write(`Usage: gatehouse ${command.synopsis}\n`);
      return EXIT.ok;
    }
    await command.run(makeRun(args, io));
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`error: ${err.message}\nUsage: gatehouse ${command.synopsis}\n`);
      return EXIT.usage;
    }
    if (err instanceof ApiError || err instanceof EnvError) {
      io.stderr.write(`error: ${err.message}\n`);
      return EXIT.failed;
    }
    io.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n`);
    return EXIT.failed;
  }
}
