import type {Command} from 'commander';
import {BerthError} from '../engine/errors.js';
import {getEngine} from './context.js';
import {formatAll} from './template.js';

type Flags = {format?: string; type?: string};

/** A container first, then an image, as `docker inspect` looks names up. */
const inspectOne = async (reference: string, type?: string): Promise<unknown> => {
	const engine = getEngine();
	if (type !== 'image') {
		try {
			return await engine.containers.inspect(reference);
		} catch (error) {
			if (type === 'container' || !(error instanceof BerthError) || error.code !== 'NO_SUCH_CONTAINER') {
				throw error;
			}
		}
	}

	try {
		return await engine.images.inspect(reference);
	} catch (error) {
		if (type === undefined && error instanceof BerthError && error.code === 'NO_SUCH_IMAGE') {
			throw new BerthError('NO_SUCH_CONTAINER', `no such object: \`${reference}\``);
		}

		throw error;
	}
};

export const defineInspect = (program: Command): void => {
	program.command('inspect')
		.description('Show low-level information on containers or images as JSON')
		.argument('<name...>', 'container or image names or ids')
		.option('-f, --format <template>', 'format the output with a Go template')
		.option('--type <type>', 'only look for a container or an image')
		.action(async (references: string[], flags: Flags) => {
			if (flags.type && !['container', 'image'].includes(flags.type)) {
				throw new BerthError('INVALID_ARGUMENT', `unknown type \`${flags.type}\`: container or image`);
			}

			const objects = [];
			for (const reference of references) {
				objects.push(await inspectOne(reference, flags.type));
			}

			process.stdout.write(flags.format ? formatAll(flags.format, objects) : `${JSON.stringify(objects, null, 4)}\n`);
		});
};
