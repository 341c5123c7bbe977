/**
 * `berth build`: a Dockerfile to an image, step by step, with a cache. The builder itself
 * (source/build/) is loaded only when a build runs, so that no other command pays for the
 * Dockerfile parser. The build reports what it does as events; the front end draws them.
 */
import type {Engine} from './engine.js';
import type {OnProgress} from '../registry/progress.js';
import type {Digest} from '../storage/blobs.js';

export type BuildOptions = {
	/** The context directory; none for a Dockerfile alone (`build -`), which then cannot COPY. */
	context?: string;
	/** The Dockerfile's path (default: CONTEXT/Dockerfile), unless its text is given. */
	dockerfile?: string;
	dockerfileText?: string;
	/** REPOSITORY[:TAG] names for the result. */
	tags?: string[];
	/** `--build-arg NAME=value`. */
	buildArgs?: ReadonlyMap<string, string>;
	/** Build up to this stage (its name or index) and stop. */
	target?: string;
	/** Run every step, using no cached result (the results are still cached for later builds). */
	noCache?: boolean;
	/** Network of the RUN steps' containers. */
	network?: string;
	/** Pull every base image, even one that is here (a missing one is always pulled). */
	pull?: boolean;
	onPullProgress?: OnProgress;
	/** Stops the build: a running step's container is killed, and no further step starts. */
	signal?: AbortSignal;
};

/** What a build reports as it goes, in the order Docker's classic builder prints it. */
export type BuildEvent =
	| {type: 'step'; step: number; total: number; text: string}
	| {type: 'cached'}
	| {type: 'triggers'; count: number}
	| {type: 'running'; container: string}
	| {type: 'output'; stream: 'stdout' | 'stderr'; data: Buffer}
	| {type: 'removed'; container: string}
	/** The image a step gave (FROM: the base image). */
	| {type: 'image'; id: Digest}
	| {type: 'built'; id: Digest}
	| {type: 'tagged'; reference: string}
	| {type: 'warning'; message: string};

/** Builds the image and returns its id; a failed step is a BUILD_FAILED (or the step's own error) naming it. */
export const buildImage = async (engine: Engine, options: BuildOptions, onEvent: (event: BuildEvent) => void = () => undefined): Promise<Digest> => {
	const {build} = await import('../build/builder.js');
	return build(engine, options, onEvent);
};
