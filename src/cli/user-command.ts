import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { createUser, recordAudit, roles, type Role } from '../access/index.ts';
import { resolveWorkspace } from './analyze-command.ts';
import { openDatabase } from './open-database.ts';

/**
 * `patron user add EMAIL`: adds a console user to a workspace from the command line — the way into a
 * workspace that `patron import` created (the console's first-run setup only runs on an installation
 * without any user). The password comes from PATRON_USER_PASSWORD, or is generated and printed once.
 */
export function userCommand(): Command {
  const add = new Command('add')
    .description('Add a console user to a workspace (e.g. the owner of a workspace made by `patron import`)')
    .argument('<email>', 'the email the user signs in with')
    .option('--workspace <slug>', 'the workspace (default: demo, else the only one)')
    .option('--name <name>', 'display name (default: the part of the email before @)')
    .addOption(new Option('--role <role>', 'role').choices([...roles]).default('owner'))
    .addHelpText('after', '\nThe password is read from PATRON_USER_PASSWORD (at least 8 characters); without it one is generated and printed once.')
    .action(async (email: string, options: { workspace?: string; name?: string; role: Role }) => {
      const handle = await openDatabase();
      try {
        const ws = await resolveWorkspace(handle, options.workspace);
        const given = process.env.PATRON_USER_PASSWORD;
        const password = given && given !== '' ? given : randomBytes(12).toString('base64url');
        const user = await createUser(handle.db, ws.id, { email, name: options.name ?? email.split('@')[0] ?? email, password, role: options.role });
        await recordAudit(handle.db, { workspaceId: ws.id, at: new Date(), actor: { type: 'cli' }, action: 'cli user add', targetType: 'user', targetId: user.id, after: { role: user.role } });
        console.log(`Added ${user.email} as ${user.role} of ${ws.slug}.${given ? '' : ` Password: ${password} (shown once; change it after signing in)`}`);
      } finally {
        await handle.close();
      }
    });
  return new Command('user').description('Console users').addCommand(add);
}
