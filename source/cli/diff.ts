import type {Command} from 'commander';
import {getEngine} from './context.js';

export const defineDiff = (program: Command, name = 'diff'): void => {
	program.command(name)
		.description('List the files a container added (A), changed (C) or deleted (D)')
		.argument('<container>')
		.action(async (container: string) => {
			const changes = await getEngine().files.changes(container);
			process.stdout.write(changes.map(change => `${change.kind} ${change.path}\n`).join(''));
		});
};
