import type {Command} from 'commander';
import {getEngine} from './context.js';

export const defineRename = (program: Command): void => {
	program.command('rename')
		.description('Rename a container')
		.argument('<container>')
		.argument('<new-name>')
		.action(async (reference: string, name: string) => {
			await getEngine().containers.rename(reference, name);
		});
};
