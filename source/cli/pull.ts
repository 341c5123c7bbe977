import type {Command} from 'commander';
import {getEngine, print} from './context.js';
import {progressPrinter} from './progress.js';
import {addTlsVerify, type TlsFlags} from './registry-flags.js';

type Flags = TlsFlags & {allTags?: boolean; platform?: string; quiet?: boolean};

export const definePull = (program: Command): void => {
	addTlsVerify(program.command('pull')
		.description('Download an image from a registry')
		.argument('<name>', 'NAME[:TAG|@DIGEST]; the tag is latest when neither is given')
		.option('-a, --all-tags', 'download every tagged image of the repository')
		.option('--platform <os/arch[/variant]>', 'the platform to pick from a multi-platform image (default: this host\'s)')
		.option('-q, --quiet', 'print only the image\'s name, without progress'))
		.action(async (name: string, flags: Flags) => {
			const pulled = await getEngine().registry.pull(name, {
				all: flags.allTags,
				platform: flags.platform,
				tlsVerify: flags.tlsVerify,
				...(flags.quiet ? {} : {onProgress: progressPrinter()}),
			});
			for (const image of pulled) {
				print(image.reference);
			}
		});
};
