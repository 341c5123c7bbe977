import type {Command} from 'commander';
import {BerthError} from '../engine/errors.js';
import {attachTerminal} from './attach-terminal.js';
import {getEngine} from './context.js';

export const defineAttach = (program: Command): void => {
	program.command('attach')
		.description('Attach this terminal to a running container')
		.argument('<container>')
		.option('--detach-keys <keys>', 'key sequence to detach from the container')
		.option('--no-stdin', 'do not attach STDIN')
		.action(async (reference: string, flags: {detachKeys?: string; stdin: boolean}) => {
			const container = await getEngine().containers.get(reference);
			if (container.State.Status !== 'running') {
				throw new BerthError('INVALID_STATE', `cannot attach to a stopped container \`${reference}\`: start it first`);
			}

			const result = await attachTerminal(container, {stdin: flags.stdin && container.Config.OpenStdin, detachKeys: flags.detachKeys});
			if (result.kind === 'exited') {
				process.exitCode = result.code;
			}
		});
};
