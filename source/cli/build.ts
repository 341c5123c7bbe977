/**
 * `berth build`: flags to BuildOptions, and the build's events printed as Docker's classic
 * builder prints them. The builder is loaded only now (engine/build.ts imports it on demand).
 */
import path from 'node:path';
import type {Command} from 'commander';
import {buildImage, type BuildEvent} from '../engine/build.js';
import {BerthError} from '../engine/errors.js';
import {shortId} from '../runtime/names.js';
import {collect, getEngine, print} from './context.js';
import {progressPrinter} from './progress.js';

type Flags = {
	tag?: string[];
	file?: string;
	buildArg?: string[];
	target?: string;
	cache?: boolean;
	network?: string;
	pull?: boolean;
	quiet?: boolean;
};

const readStdin = async (): Promise<string> => {
	if (process.stdin.isTTY) {
		throw new BerthError('INVALID_ARGUMENT', 'requested to read the Dockerfile from standard input, but it is a terminal');
	}

	const chunks: Buffer[] = [];
	for await (const chunk of process.stdin) {
		chunks.push(chunk as Buffer);
	}

	return Buffer.concat(chunks).toString('utf8');
};

/** `NAME=value`; a bare `NAME` takes this process's value, and is left out when it has none. */
const buildArgs = (specs: string[]): Map<string, string> => new Map(specs.flatMap(spec => {
	const equals = spec.indexOf('=');
	if (equals !== -1) {
		return [[spec.slice(0, equals), spec.slice(equals + 1)] as const];
	}

	const value = process.env[spec];
	return value === undefined ? [] : [[spec, value] as const];
}));

const show = (event: BuildEvent): void => {
	switch (event.type) {
		case 'step': {
			print(`Step ${event.step}/${event.total} : ${event.text}`);
			break;
		}

		case 'cached': {
			print(' ---> Using cache');
			break;
		}

		case 'triggers': {
			print(`# Executing ${event.count} build trigger${event.count === 1 ? '' : 's'}`);
			break;
		}

		case 'running': {
			print(` ---> Running in ${shortId(event.container)}`);
			break;
		}

		case 'output': {
			(event.stream === 'stdout' ? process.stdout : process.stderr).write(event.data);
			break;
		}

		case 'removed': {
			print(`Removing intermediate container ${shortId(event.container)}`);
			break;
		}

		case 'image': {
			print(` ---> ${shortId(event.id)}`);
			break;
		}

		case 'built': {
			print(`Successfully built ${shortId(event.id)}`);
			break;
		}

		case 'tagged': {
			print(`Successfully tagged ${event.reference}`);
			break;
		}

		case 'warning': {
			process.stderr.write(`[Warning] ${event.message}\n`);
			break;
		}
	}
};

export const defineBuild = (program: Command): void => {
	program.command('build')
		.description('Build an image from a Dockerfile')
		.argument('<context>', 'the build context: a directory, or - for a Dockerfile on standard input and no context')
		.option('-t, --tag <name[:tag]>', 'name the image (repeatable)', collect)
		.option('-f, --file <path>', 'the Dockerfile (default CONTEXT/Dockerfile; - for standard input)')
		.option('--build-arg <name=value>', 'set a build argument (repeatable)', collect)
		.option('--target <stage>', 'build up to this stage')
		.option('--no-cache', 'do not use the cache')
		.option('--network <mode>', 'network of the RUN steps: none, host or bridge')
		.option('--pull', 'pull every base image, even one that is here')
		.option('-q, --quiet', 'print only the image id')
		.action(async (context: string, flags: Flags) => {
			const fromStdin = context === '-' || flags.file === '-';
			// Ctrl-C stops the build cleanly: its running container is killed and removed.
			const controller = new AbortController();
			const interrupt = () => controller.abort();
			process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
			const id = await buildImage(getEngine(), {
				context: context === '-' ? undefined : path.resolve(context),
				dockerfile: fromStdin || flags.file === undefined ? undefined : path.resolve(flags.file),
				dockerfileText: fromStdin ? await readStdin() : undefined,
				tags: flags.tag,
				buildArgs: buildArgs(flags.buildArg ?? []),
				target: flags.target,
				noCache: flags.cache === false,
				network: flags.network,
				pull: flags.pull,
				onPullProgress: flags.quiet ? undefined : progressPrinter(process.stdout),
				signal: controller.signal,
			}, flags.quiet ? undefined : show).finally(() => {
				process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
			});
			if (flags.quiet) {
				print(id);
			}
		});
};
