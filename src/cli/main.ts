import { Command, CommanderError } from 'commander';
import { PatronError } from '../lib/errors.ts';
import { analyzeCommand } from './analyze-command.ts';
import { clvCommand } from './clv-command.ts';
import { demoCommand } from './demo-command.ts';
import { importCommand } from './import-command.ts';
import { loyaltyCommand } from './loyalty-command.ts';
import { migrateCommand } from './migrate-command.ts';
import { privacyCommand } from './privacy-command.ts';
import { scoresCommand } from './scores-command.ts';
import { serveCommand } from './serve-command.ts';
import { userCommand } from './user-command.ts';
import { workerCommand } from './worker-command.ts';

const program = new Command('patron')
  .description('Patron: customer data, analytics, segments, journeys and loyalty on PostgreSQL')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride()
  .addCommand(serveCommand())
  .addCommand(migrateCommand())
  .addCommand(demoCommand())
  .addCommand(clvCommand())
  .addCommand(analyzeCommand())
  .addCommand(scoresCommand())
  .addCommand(importCommand())
  .addCommand(loyaltyCommand())
  .addCommand(privacyCommand())
  .addCommand(userCommand())
  .addCommand(workerCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  // Expected failures print their message only; anything else also prints the stack for a bug report.
  console.error(error instanceof PatronError ? `patron: ${error.message}` : error);
  process.exit(1);
}
