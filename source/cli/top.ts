import type {Command} from 'commander';
import {getEngine} from './context.js';
import {table} from './format.js';

export const defineTop = (program: Command): void => {
	program.command('top')
		.description('Show the processes of a running container')
		.argument('<container>')
		.action(async (reference: string) => {
			const {titles, rows} = await getEngine().containers.top(reference);
			process.stdout.write(table(titles, rows));
		});
};
