import type {Command} from 'commander';
import {getEngine} from './context.js';
import {progressPrinter} from './progress.js';
import {addTlsVerify, type TlsFlags} from './registry-flags.js';

export const definePush = (program: Command): void => {
	addTlsVerify(program.command('push')
		.description('Upload an image to a registry')
		.argument('<name>', 'NAME[:TAG] of an image here; the tag is latest when none is given')
		.option('-q, --quiet', 'print nothing but errors'))
		.action(async (name: string, flags: TlsFlags & {quiet?: boolean}) => {
			await getEngine().registry.push(name, {
				tlsVerify: flags.tlsVerify,
				...(flags.quiet ? {} : {onProgress: progressPrinter()}),
			});
		});
};
