/**
 * One stage of a build: from its base image, each instruction makes the next image. A step is
 * taken from the cache when its key (cache.ts) is known and its image still whole; otherwise
 * it runs and its image is cached. RUN runs a container (run.ts), COPY and ADD write into a
 * snapshot of the image (copy.ts, snapshot.ts), the rest change the config (config-steps.ts).
 */
import type {Engine} from '../engine/engine.js';
import {BerthError} from '../engine/errors.js';
import {storeLayer} from '../engine/commit.js';
import type {BuildEvent} from '../engine/build.js';
import {commandLine} from '../image/changes.js';
import type {ContainerConfig} from '../image/oci.js';
import {expandWord, splitWords} from '../image/shell-words.js';
import type {Image} from '../image/store.js';
import {BuildCache} from './cache.js';
import {applyConfigStep, type StageState} from './config-steps.js';
import {copyItems, selectItems, type CopyOptions, type Item} from './copy.js';
import type {FileDigests} from './file-digests.js';
import {jsonStrings, type Instruction} from './instruction.js';
import type {ParsedDockerfiles} from './parsed.js';
import {runStep} from './run.js';
import {Snapshot} from './snapshot.js';
import {contentDigest, SourceTree} from './sources.js';
import {loadStepImage, writeStepImage, type Layer, type Step} from './step-image.js';
import type {StageArgs} from './variables.js';

export type StageContext = {
	engine: Engine;
	cache: BuildCache;
	emit: (event: BuildEvent) => void;
	/** The build context; none when the Dockerfile came alone. */
	context?: SourceTree;
	/** What the context's files held when last read. */
	digests: FileDigests;
	/** Parses ONBUILD triggers. */
	parsed: ParsedDockerfiles;
	/** The image of an earlier stage, by name or index, for COPY --from; undefined if there is none. */
	stageImage: (name: string) => Image | undefined;
	noCache: boolean;
	network?: string;
	signal?: AbortSignal;
};

/** The shell as the history shows it before `#(nop)`, after the image's SHELL. */
const historyShell = (config: ContainerConfig) => (config.Shell ?? ['/bin/sh', '-c']).join(' ');

export class StageBuilder {
	private config: ContainerConfig;
	private author?: string;
	private readonly state: StageState = {cmdSet: false};

	/** `image` is the base image; none for FROM scratch. */
	constructor(private readonly context: StageContext, private readonly args: StageArgs, private image: Image | undefined) {
		// A base image's ONBUILD triggers run here, once: its children do not inherit them.
		const {OnBuild: _triggers, ...config} = image?.config.config ?? {};
		this.config = config;
	}

	/** The image the stage has made so far. */
	get result(): Image | undefined {
		return this.image;
	}

	/** The base image's ONBUILD triggers, run as if they followed FROM. */
	async runTriggers(): Promise<void> {
		const triggers = this.image?.config.config?.OnBuild ?? [];
		if (triggers.length > 0) {
			this.context.emit({type: 'triggers', count: triggers.length});
			for (const trigger of triggers) {
				await this.step((await this.context.parsed.instructions(trigger))[0]!);
			}
		}
	}

	async step(instruction: Instruction): Promise<void> {
		switch (instruction.keyword) {
			case 'RUN': {
				await this.run(instruction);
				break;
			}

			case 'COPY':
			case 'ADD': {
				await this.copy(instruction);
				break;
			}

			case 'ARG': {
				this.args.declare(instruction, this.config.Env);
				await this.configStep(instruction, this.config);
				break;
			}

			case 'MAINTAINER': {
				this.author = instruction.args;
				await this.configStep(instruction, this.config);
				break;
			}

			default: {
				await this.configStep(instruction, applyConfigStep(instruction, this.config, this.args.lookup(this.config.Env), this.state));
			}
		}
	}

	private async configStep(instruction: Instruction, config: ContainerConfig): Promise<void> {
		const createdBy = `${historyShell(this.config)} #(nop)  ${instruction.text}`;
		await this.cached([createdBy, config, this.author], async () => ({config, history: {created_by: createdBy}}));
	}

	private async run(instruction: Instruction): Promise<void> {
		const argv = commandLine('RUN', instruction.args, this.config);
		const env = this.args.runEnv(this.config.Env);
		// Docker's form: the arguments in the history line, so that a changed value is a new step.
		const createdBy = [...env.length > 0 ? [`|${env.length}`, ...env] : [], ...argv].join(' ');
		const image = this.image;
		if (!image) {
			throw new BerthError('BUILD_FAILED', `\`${instruction.text}\` cannot run on an empty image (FROM scratch)`);
		}

		await this.cached([createdBy], async () => {
			const layer = await runStep(this.context.engine, {
				image,
				argv,
				env,
				network: this.context.network,
				signal: this.context.signal,
				display: argv.join(' '),
				onStart: container => this.context.emit({type: 'running', container}),
				onOutput: (stream, data) => this.context.emit({type: 'output', stream, data}),
				onRemoved: container => this.context.emit({type: 'removed', container}),
			});
			return {config: this.config, history: {created_by: createdBy}, layer};
		});
	}

	private async copy(instruction: Instruction): Promise<void> {
		const lookup = this.args.lookup(this.config.Env);
		const words = jsonStrings(instruction.args) ?? splitWords(instruction.args);
		const expanded = words.map(word => expandWord(word, lookup));
		const dest = expanded.pop();
		if (dest === undefined || expanded.length === 0) {
			throw new BerthError('INVALID_ARGUMENT', `Dockerfile line ${instruction.line}: \`${instruction.keyword}\` needs a source and a destination`);
		}

		const chown = instruction.flags.has('chown') ? expandWord(instruction.flags.get('chown')!, lookup) : undefined;
		const from = instruction.flags.get('from');
		const options: CopyOptions = {dest, workdir: this.config.WorkingDir ?? '/', chown, unpack: instruction.keyword === 'ADD'};
		await this.withSource(from === undefined ? undefined : expandWord(from, lookup), async (tree, image) => {
			const items = await selectItems(tree, expanded);
			// Files from the context are known by their content, a stage's by its image.
			const digest = image ? image.id.replace(/^sha256:/, '') : await contentDigest(items.flatMap(item => [item.source, ...item.below]), this.context.digests);
			const kind = items.length > 1 ? 'multi' : (items[0]!.source.stat.isDirectory() ? 'dir' : 'file');
			const createdBy = `${historyShell(this.config)} #(nop) ${instruction.keyword} ${kind}:${digest} in ${dest} `;
			await this.cached([createdBy, instruction.text, options], async () => ({
				config: this.config,
				history: {created_by: createdBy},
				layer: await this.writeFiles(items, options),
			}));
		});
	}

	/** Runs `fn` on the build context, or on an earlier stage's (or any image's) files, mounted meanwhile. */
	private async withSource(from: string | undefined, fn: (tree: SourceTree, image?: Image) => Promise<void>): Promise<void> {
		const {engine, context} = this.context;
		if (from === undefined) {
			if (!context) {
				throw new BerthError('NO_SUCH_FILE', 'there is no build context to copy from: the Dockerfile came alone on stdin');
			}

			return fn(context);
		}

		const image = this.context.stageImage(from) ?? await engine.images.get(from);
		const snapshot = await Snapshot.create(engine, image);
		try {
			await snapshot.withRoot(async root => fn(new SourceTree(root, `stage \`${from}\``), image));
		} finally {
			await snapshot.remove();
		}
	}

	/** COPY's layer: the files written into a snapshot of the image, and its diff. */
	private async writeFiles(items: Item[], options: CopyOptions): Promise<Layer | undefined> {
		const {engine} = this.context;
		const snapshot = await Snapshot.create(engine, this.image);
		try {
			await snapshot.withRoot(async root => copyItems(root, items, options));
			return await storeLayer(engine, snapshot.diff());
		} finally {
			await snapshot.remove();
		}
	}

	/** Takes the step's image from the cache, or makes it and caches it. */
	private async cached(key: unknown[], make: () => Promise<Step>): Promise<void> {
		const {cache, emit, engine} = this.context;
		const cacheKey = BuildCache.key(this.image?.id ?? 'scratch', ...key);
		const hit = this.context.noCache ? undefined : await cache.get(cacheKey);
		const cachedImage = hit && await loadStepImage(engine, hit, this.image);
		if (cachedImage) {
			emit({type: 'cached'});
			this.advance(cachedImage);
			return;
		}

		const step = await make();
		const image = await writeStepImage(engine, this.image, {...step, author: this.author});
		await cache.set(cacheKey, image.manifestDigest);
		this.advance(image);
	}

	private advance(image: Image): void {
		this.image = image;
		this.config = image.config.config ?? {};
		this.context.emit({type: 'image', id: image.id});
	}
}
