/** `berth container ...`: the commands that only exist under this group. */
import type {Command} from 'commander';
import {defineCommit} from './commit.js';
import {getEngine, print} from './context.js';
import {defineCp} from './cp.js';
import {defineDiff} from './diff.js';
import {defineExport} from './export.js';

export const defineContainer = (program: Command): void => {
	const group = program.command('container').description('Manage containers (prune, cleanup)');
	group.command('prune')
		.description('Remove all stopped containers')
		.option('-f, --force', 'do not prompt for confirmation')
		.action(async () => {
			const removed = await getEngine().containers.prune();
			print(['Deleted Containers:', ...removed, ''].join('\n'));
		});
	for (const define of [defineCommit, defineDiff, defineExport, defineCp]) {
		define(group);
	}

	group.command('cleanup', {hidden: true})
		.description('Record the exit of a container and release what it held (run by berth-shim)')
		.argument('<id>')
		.action(async (id: string) => {
			await getEngine().containers.cleanup(id);
		});
};
