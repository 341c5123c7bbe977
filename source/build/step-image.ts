/**
 * Every build step makes an image: its parent's layers, plus the layer the step made if it
 * made one; its parent's config as the step changed it; one more history entry. Step images
 * are kept as blobs, named by the build cache; only the build's result is recorded in
 * images.json, so the steps do not crowd `berth images` (Docker hides them too).
 */
import type {Engine} from '../engine/engine.js';
import {hostPlatform, type ContainerConfig, type Descriptor, type History, type ImageConfig, type Manifest} from '../image/oci.js';
import type {Image} from '../image/store.js';
import type {Digest} from '../storage/blobs.js';

export type Layer = {blob: Descriptor; diffId: Digest};

export type Step = {
	config: ContainerConfig;
	/** `created` is filled in. */
	history: Omit<History, 'created'>;
	/** The step's own layer; none for a step that only changes the config. */
	layer?: Layer;
	author?: string;
};

/**
 * The image a step made, or undefined when any of its blobs is gone (removed since it was
 * cached). The layers it shares with `parent`, the image the step is taken on, are there:
 * that image was checked so, or is recorded in images.json, whose images keep their blobs.
 */
export const loadStepImage = async (engine: Engine, manifestDigest: Digest, parent?: Image): Promise<Image | undefined> => {
	const {blobs} = engine;
	if (!await blobs.has(manifestDigest)) {
		return undefined;
	}

	const manifest = await blobs.readJson<Manifest>(manifestDigest);
	const known = new Set(parent?.manifest.layers.map(layer => layer.digest));
	const unknown = [manifest.config, ...manifest.layers].filter(blob => !known.has(blob.digest));
	const present = await Promise.all(unknown.map(async blob => blobs.has(blob.digest)));
	if (present.includes(false)) {
		return undefined;
	}

	const config = await blobs.readJson<ImageConfig>(manifest.config.digest);
	return {
		id: manifest.config.digest,
		manifestDigest,
		manifest,
		config,
		references: [],
		created: config.created,
		size: manifest.layers.reduce((sum, layer) => sum + layer.size, 0),
		layers: config.rootfs.diff_ids,
	};
};

/** Writes the image of a step on top of `parent` (none: FROM scratch). */
export const writeStepImage = async (engine: Engine, parent: Image | undefined, step: Step): Promise<Image> => {
	const created = new Date().toISOString();
	const {os, architecture, variant} = parent?.config ?? hostPlatform();
	const parentLayers = parent ? parent.manifest.layers.map((blob, index) => ({blob, diffId: parent.layers[index]!})) : [];
	const author = step.author ?? parent?.config.author;
	const manifest = await engine.imageStore.writeImage({
		config: {
			created,
			...(author ? {author} : {}),
			architecture,
			os,
			...(variant ? {variant} : {}),
			config: step.config,
			history: [...parent?.config.history ?? [], {created, ...step.history, ...(step.layer ? {} : {empty_layer: true})}],
		},
		layers: step.layer ? [...parentLayers, step.layer] : parentLayers,
	});
	return (await loadStepImage(engine, manifest.digest))!;
};
