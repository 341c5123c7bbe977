import type {Command} from 'commander';
import {attachTerminal} from './attach-terminal.js';
import {getEngine, print} from './context.js';

export const defineStart = (program: Command): void => {
	program.command('start')
		.description('Start one or more stopped containers')
		.argument('<container...>')
		.option('-a, --attach', 'attach the output and forward signals')
		.option('-i, --interactive', 'attach the container\'s STDIN')
		.option('--detach-keys <keys>', 'key sequence to detach from the container')
		.action(async (references: string[], flags: {attach?: boolean; interactive?: boolean; detachKeys?: string}) => {
			const engine = getEngine();
			const attached = flags.attach ?? flags.interactive;
			for (const reference of references) {
				if (!attached) {
					await engine.containers.start(reference);
					print(reference);
					continue;
				}

				const container = await engine.containers.start(reference, {waitAttach: true});
				const result = await attachTerminal(container, {stdin: Boolean(flags.interactive), detachKeys: flags.detachKeys, cleanup: true});
				if (result.kind === 'exited') {
					process.exitCode = result.code;
				}
			}
		});
};
