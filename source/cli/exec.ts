import type {Command} from 'commander';
import {collect, getEngine} from './context.js';

type Flags = {interactive?: boolean; tty?: boolean; detach?: boolean; env?: string[]; workdir?: string; user?: string; privileged?: boolean};

export const defineExec = (program: Command): void => {
	program.command('exec')
		.description('Run a command in a running container')
		.argument('<container>')
		.argument('<command...>')
		.option('-i, --interactive', 'keep STDIN open')
		.option('-t, --tty', 'use this terminal as the command\'s terminal')
		.option('-d, --detach', 'run the command in the background')
		.option('-e, --env <KEY=VALUE>', 'set an environment variable', collect)
		.option('-w, --workdir <dir>', 'working directory inside the container')
		.option('-u, --user <user[:group]>', 'user name or uid, optionally with a group')
		.option('--privileged', 'give the command all capabilities')
		.passThroughOptions()
		.action(async (reference: string, command: string[], flags: Flags) => {
			process.exitCode = await getEngine().containers.exec(reference, {
				command,
				env: flags.env,
				workdir: flags.workdir,
				user: flags.user,
				tty: Boolean(flags.tty) && process.stdin.isTTY,
				privileged: flags.privileged,
				detach: flags.detach,
			});
		});
};
