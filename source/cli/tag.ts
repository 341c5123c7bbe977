import type {Command} from 'commander';
import {getEngine} from './context.js';

export const defineTag = (program: Command, name = 'tag'): void => {
	program.command(name)
		.description('Give an image another name')
		.argument('<source>', 'image name or id')
		.argument('<target>', 'REPOSITORY[:TAG]')
		.action(async (source: string, target: string) => {
			await getEngine().images.tag(source, target);
		});
};
