/**
 * A build as Docker's classic builder runs it: the ARGs before the first FROM, then every
 * stage in order up to the target, each from its base image (an image in the store, an
 * earlier stage, or scratch). Steps are counted across the whole file, as `Step N/M` shows.
 * The result is recorded in images.json, under the tags if any, only once every step has
 * succeeded: a failed build tags nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import type {BuildEvent, BuildOptions} from '../engine/build.js';
import type {Engine} from '../engine/engine.js';
import {BerthError, isBerthError, isErrno} from '../engine/errors.js';
import {hostPlatform} from '../image/oci.js';
import {familiar, formatReference, normalizeReference} from '../image/reference.js';
import {expandWord} from '../image/shell-words.js';
import type {Image} from '../image/store.js';
import type {Digest} from '../storage/blobs.js';
import {BuildCache} from './cache.js';
import {FileDigests} from './file-digests.js';
import type {Dockerfile, Instruction, Stage} from './instruction.js';
import {ParsedDockerfiles} from './parsed.js';
import {sweepSnapshots} from './snapshot.js';
import {SourceTree} from './sources.js';
import {StageBuilder} from './stage.js';
import {BuildArgs} from './variables.js';

const readDockerfile = async (options: BuildOptions): Promise<string> => {
	if (options.dockerfileText !== undefined) {
		return options.dockerfileText;
	}

	const file = options.dockerfile ?? path.join(options.context ?? '.', 'Dockerfile');
	try {
		return fs.readFileSync(file, 'utf8');
	} catch (error) {
		if (isErrno(error, 'ENOENT') || isErrno(error, 'EISDIR')) {
			throw new BerthError('NO_SUCH_FILE', `cannot read the Dockerfile \`${file}\``, {cause: error});
		}

		throw error;
	}
};

/** The stages to build: all of them, or up to the target (by name or index). */
const stagesUpTo = (dockerfile: Dockerfile, target: string | undefined): Stage[] => {
	if (target === undefined) {
		return dockerfile.stages;
	}

	const index = dockerfile.stages.findIndex((stage, at) => stage.name === target.toLowerCase() || String(at) === target);
	if (index === -1) {
		throw new BerthError('INVALID_ARGUMENT', `target stage \`${target}\` could not be found`);
	}

	return dockerfile.stages.slice(0, index + 1);
};

/** FROM --platform may only name this host's: berth runs no other architecture. */
const checkPlatform = (from: Instruction): void => {
	const platform = from.flags.get('platform');
	const {os, architecture} = hostPlatform();
	if (platform !== undefined && platform !== `${os}/${architecture}` && !platform.startsWith(`${os}/${architecture}/`)) {
		throw new BerthError('NOT_SUPPORTED', `platform \`${platform}\` is not this host's (${os}/${architecture})`);
	}
};

/** Runs each instruction as step N of M, naming the step in any error it ends with. */
class StepCounter {
	private done = 0;

	constructor(private readonly total: number, private readonly emit: (event: BuildEvent) => void, private readonly signal?: AbortSignal) {}

	async run(instruction: Instruction, fn: () => Promise<void>): Promise<void> {
		if (this.signal?.aborted) {
			throw new BerthError('BUILD_FAILED', `the build was interrupted before step ${this.done + 1}/${this.total}`);
		}

		const step = ++this.done;
		this.emit({type: 'step', step, total: this.total, text: instruction.text});
		try {
			await fn();
		} catch (error) {
			if (error instanceof BerthError) {
				throw new BerthError(error.code, `step ${step}/${this.total} \`${instruction.text}\`: ${error.message}`, {cause: error});
			}

			throw error;
		}
	}
}

export const build = async (engine: Engine, options: BuildOptions, emit: (event: BuildEvent) => void): Promise<Digest> => {
	const tags = (options.tags ?? []).map(tag => formatReference(normalizeReference(tag)));
	const parsed = new ParsedDockerfiles(engine.roots.root);
	const dockerfile = await parsed.dockerfile(await readDockerfile(options));
	const stages = stagesUpTo(dockerfile, options.target);
	const total = dockerfile.globalArgs.length + stages.reduce((sum, stage) => sum + 1 + stage.instructions.length, 0);
	const steps = new StepCounter(total, emit, options.signal);
	const args = new BuildArgs(options.buildArgs ?? new Map());
	for (const instruction of dockerfile.globalArgs) {
		await steps.run(instruction, async () => args.declareGlobal(instruction));
	}

	await sweepSnapshots(engine);
	const context = options.context === undefined ? undefined : await SourceTree.context(options.context);
	const digests = options.context === undefined ? FileDigests.none() : FileDigests.open(engine.roots.root, options.context);
	const built: Array<Image | undefined> = [];
	const stageImage = (name: string): Image | undefined => {
		const index = stages.findIndex((stage, at) => stage.name === name.toLowerCase() || String(at) === name);
		return index >= 0 && index < built.length ? built[index] : undefined;
	};

	const shared = {
		engine, cache: new BuildCache(engine.roots.root), emit, context, digests, parsed, stageImage, noCache: Boolean(options.noCache), network: options.network, signal: options.signal,
	};

	/** FROM's image: an earlier stage's, or one from the store, pulled first if it is not there (or --pull). */
	const baseImage = async (name: string): Promise<Image> => {
		const stage = stageImage(name);
		if (stage) {
			return stage;
		}

		if (!options.pull) {
			// The image is most often here: one look-up, not prepare's and then get's.
			const image = await engine.images.get(name).catch((error: unknown) => {
				if (isBerthError(error) && error.code === 'NO_SUCH_IMAGE') {
					return undefined;
				}

				throw error;
			});
			if (image) {
				return image;
			}
		}

		await engine.registry.prepare(name, options.pull ? 'always' : 'missing', {onProgress: options.onPullProgress});
		return engine.images.get(name);
	};

	let stage: StageBuilder | undefined;
	for (const {base, from, instructions} of stages) {
		await steps.run(from, async () => {
			checkPlatform(from);
			const name = expandWord(base, args.globalLookup);
			const image = name.toLowerCase() === 'scratch' ? undefined : await baseImage(name);
			if (image) {
				emit({type: 'image', id: image.id});
			}

			stage = new StageBuilder(shared, args.stage(), image);
			await stage.runTriggers();
		});
		for (const instruction of instructions) {
			await steps.run(instruction, async () => stage!.step(instruction));
		}

		built.push(stage!.result);
	}

	const result = stage?.result;
	if (!result) {
		throw new BerthError('BUILD_FAILED', 'no image was made: the Dockerfile has nothing but FROM scratch');
	}

	await digests.save();
	// Untagged, the result is recorded as a dangling image, as Docker leaves it.
	await engine.imageStore.record([{manifest: result.manifestDigest, references: tags}]);
	emit({type: 'built', id: result.id});
	for (const tag of tags) {
		emit({type: 'tagged', reference: familiar(tag)});
	}

	const unused = args.unused();
	if (unused.length > 0) {
		emit({type: 'warning', message: `One or more build-args [${unused.join(' ')}] were not consumed`});
	}

	return result.id;
};
