/**
 * `berth commit`: a container's changes become one more layer on top of its image, as
 * `docker commit` makes it. The layer is the snapshotter's diff (OCI whiteouts for what the
 * container deleted), stored uncompressed as Docker stores it, so its blob digest is its diff
 * id. It is unpacked into the layer store only when a container first needs it.
 *
 * A running container is paused for the diff (Docker's default, `--pause`): a process writing
 * meanwhile would leave a file half in the layer. The pause is recorded in its state first,
 * so a commit killed while it holds the container leaves it shown as paused, not hung.
 */
import fs from 'node:fs';
import path from 'node:path';
import type {Engine} from './engine.js';
import {BerthError} from './errors.js';
import type {Config} from '../runtime/container.js';
import type {Skip} from '../storage/changes.js';
import type {TarOutput} from '../storage/tar-writer.js';
import {sha256, type Digest} from '../storage/blobs.js';
import {applyChanges} from '../image/changes.js';
import {MediaType, type ContainerConfig, type Descriptor, type History} from '../image/oci.js';
import {normalizeReference} from '../image/reference.js';
import type {Image} from '../image/store.js';

export type CommitOptions = {
	/** REPOSITORY[:TAG]; without it the image is dangling. */
	reference?: string;
	message?: string;
	author?: string;
	/** Dockerfile instructions applied to the config: CMD, ENV, ... */
	changes?: readonly string[];
	/** Pause a running container while its changes are read (default true). */
	pause?: boolean;
};

/** Files berth-shim makes empty in a container's root to bind its own on: not the container's changes. */
const bindTargets = new Set(['etc/hosts', 'etc/hostname', 'etc/resolv.conf']);

const isBindTarget = (relative: string, stat: fs.Stats) => stat.isFile() && stat.size === 0 && bindTargets.has(relative);

/**
 * The bind targets, and /etc when they are all an overlay upper dir holds of it: it is there
 * only because they were made in it.
 */
export const runtimeFiles: Skip = (relative, stat, file) => {
	if (relative === 'etc') {
		return stat().isDirectory() && fs.readdirSync(file).every(name => isBindTarget(`etc/${name}`, fs.lstatSync(path.join(file, name))));
	}

	return bindTargets.has(relative) && isBindTarget(relative, stat());
};

/** The diff id of a tar with no entries: Docker records such a layer as an empty history entry. */
const emptyLayer = sha256(Buffer.alloc(1024));

/** What the container runs with becomes the image's defaults, over what the image had. */
const imageDefaults = (config: Config, base: ContainerConfig): ContainerConfig => {
	const defaults: ContainerConfig = {
		...base,
		Env: config.Env,
		Cmd: config.Cmd ?? undefined,
		Entrypoint: config.Entrypoint ?? undefined,
		WorkingDir: config.WorkingDir || undefined,
		User: config.User || undefined,
		Labels: Object.keys(config.Labels).length > 0 ? config.Labels : undefined,
		ExposedPorts: config.ExposedPorts ?? base.ExposedPorts,
		StopSignal: config.StopSignal || undefined,
	};
	return JSON.parse(JSON.stringify(defaults)) as ContainerConfig;
};

/** Stores the layer tar and returns it as a manifest layer; undefined when it holds no entry. */
export const storeLayer = async (engine: Engine, tar: TarOutput): Promise<{blob: Descriptor; diffId: Digest} | undefined> => {
	// Uncompressed, the blob's digest is the diff id: the tar writer's hash is the only one.
	const blob = await engine.blobs.ingestDigested(tar.stream, tar.digest);
	return blob.digest === emptyLayer ? undefined : {blob: {mediaType: MediaType.ociLayer, ...blob}, diffId: blob.digest};
};

/** Commits the container and returns the new image's id. */
export const commitContainer = async (engine: Engine, containerReference: string, options: CommitOptions = {}): Promise<Digest> => {
	if (options.reference !== undefined) {
		normalizeReference(options.reference);
	}

	applyChanges({}, options.changes ?? []); // Bad instructions fail before the container is touched.
	await engine.sweep();
	const container = await engine.containers.get(containerReference);
	if (!container.Image) {
		// Its changes alone would make an image without the directory they were made on.
		throw new BerthError('NOT_SUPPORTED', `container \`${containerReference}\` runs on a --rootfs directory, not an image: use export and import`);
	}

	const base: Image = await engine.images.get(container.Image).catch((error: unknown) => {
		throw error instanceof BerthError && error.code === 'NO_SUCH_IMAGE'
			? new BerthError('NO_SUCH_IMAGE', `the image of container \`${containerReference}\` was removed: cannot commit on top of it`)
			: error;
	});

	const snapshotter = await engine.snapshotter();
	const dir = engine.containerStore.containerDir(container.Id);
	const pause = options.pause !== false && container.State.Status === 'running';
	if (pause) {
		await engine.containers.pause(container.Id);
	}

	let layer;
	try {
		layer = await storeLayer(engine, snapshotter.diff(dir, container.Rootfs.lowers, runtimeFiles));
	} finally {
		if (pause) {
			await engine.containers.unpause(container.Id).catch((error: unknown) => {
				// It ended meanwhile: nothing left to thaw.
				if (!(error instanceof BerthError && error.code === 'INVALID_STATE')) {
					throw error;
				}
			});
		}
	}

	const created = new Date().toISOString();
	const history: History = {
		created,
		created_by: [container.Path, ...container.Args].join(' '),
		...(options.author ? {author: options.author} : {}),
		...(options.message ? {comment: options.message} : {}),
		...(layer ? {} : {empty_layer: true}),
	};
	const baseLayers = base.manifest.layers.map((blob, index) => ({blob, diffId: base.layers[index]!}));
	const {os, architecture, variant} = base.config;
	const manifest = await engine.imageStore.writeImage({
		config: {
			created,
			...(options.author ? {author: options.author} : {}),
			architecture,
			os,
			...(variant ? {variant} : {}),
			config: applyChanges(imageDefaults(container.Config, base.config.config ?? {}), options.changes ?? []),
			history: [...base.config.history ?? [], history],
		},
		layers: layer ? [...baseLayers, layer] : baseLayers,
	});
	const id = options.reference === undefined
		? await engine.imageStore.addImage(manifest)
		: await engine.imageStore.tag(options.reference, manifest.digest);
	await engine.events.record('container', 'commit', container.Id, {
		name: container.Name.replace(/^\//, ''), imageID: id, ...(options.reference ? {imageName: options.reference} : {}),
	});
	return id;
};
