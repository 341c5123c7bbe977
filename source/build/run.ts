/**
 * A RUN step: a container made from the previous step's image runs the command, its output
 * streamed to the build's; when it exits 0 its changes become the step's layer. The container
 * is removed whatever happens, so a failed or interrupted step leaves none behind.
 */
import {Writable} from 'node:stream';
import type {Engine} from '../engine/engine.js';
import {BerthError} from '../engine/errors.js';
import {runtimeFiles, storeLayer} from '../engine/commit.js';
import type {Image} from '../image/store.js';
import {attach} from '../runtime/attach.js';
import type {Layer} from './step-image.js';

export type RunStep = {
	image: Image;
	argv: string[];
	/** The build arguments, `NAME=value`, over the image's environment. */
	env: string[];
	network?: string;
	/** Kills the command when the build is stopped. */
	signal?: AbortSignal;
	/** How the command reads in the failure message. */
	display: string;
	onStart: (containerId: string) => void;
	onOutput: (stream: 'stdout' | 'stderr', data: Buffer) => void;
	/** Told once the container of a successful command is gone. */
	onRemoved: (containerId: string) => void;
};

const forward = (write: (data: Buffer) => void) => new Writable({
	write(chunk: Buffer, _encoding, callback) {
		write(chunk);
		callback();
	},
});

/** Runs the step's command and returns the layer of its changes (none if it changed nothing). */
export const runStep = async (engine: Engine, step: RunStep): Promise<Layer | undefined> => {
	const {containers} = engine;
	let layer: Layer | undefined;
	const container = await containers.create({image: step.image.id, command: step.argv, entrypoint: '', env: step.env, network: step.network}, step.image);
	const stop = () => {
		containers.kill(container.Id).catch(() => undefined);
	};

	step.signal?.addEventListener('abort', stop);
	try {
		step.onStart(container.Id);
		const started = await containers.start(container.Id, {waitAttach: true});
		const result = await attach({
			socket: containers.attachSocket(started),
			stdin: null,
			stdout: forward(data => step.onOutput('stdout', data)),
			stderr: forward(data => step.onOutput('stderr', data)),
			detachKeys: [],
		});
		await containers.cleanup(container.Id);
		const code = result.kind === 'exited' ? result.code : await containers.wait(container.Id);
		if (step.signal?.aborted) {
			throw new BerthError('BUILD_FAILED', `the command \`${step.display}\` was interrupted`);
		}

		if (code !== 0) {
			throw new BerthError('BUILD_FAILED', `the command \`${step.display}\` returned a non-zero code: ${code}`);
		}

		const snapshotter = await engine.snapshotter();
		layer = await storeLayer(engine, snapshotter.diff(engine.containerStore.containerDir(container.Id), container.Rootfs.lowers, runtimeFiles));
	} finally {
		step.signal?.removeEventListener('abort', stop);
		await containers.remove(container.Id, {force: true});
	}

	step.onRemoved(container.Id);
	return layer;
};
