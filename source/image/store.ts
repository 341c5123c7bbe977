/**
 * The image store: which images exist and what they are called. The blobs live in the
 * BlobStore; images.json maps full references (docker.io/library/busybox:latest) to manifest
 * digests and lists the manifests recorded without any reference (dangling images: an untagged
 * import, or an image whose tag moved to another). An image's id is its config digest, as in
 * Docker and podman.
 *
 * Lifecycle: the layer blobs are ingested first; writeImage adds the config and the manifest;
 * addImage or tag records the manifest; untag drops one name; remove forgets the image and
 * reports which blobs and unpacked layers no other image uses, for the caller to delete.
 *
 * Writers read-modify-write images.json under locks/images.lock. Blobs are written outside the
 * lock, and BlobStore.put skips a blob that already exists, so a concurrent remove may delete a
 * blob an import is about to use: addImage and tag therefore check every blob of the image
 * under the lock, and remove hands its garbage to `release` while still holding it.
 */
import path from 'node:path';
import {BerthError} from '../engine/errors.js';
import {readJsonOr, withLock, writeJsonAtomic} from '../storage/atomic.js';
import type {BlobStore, Digest} from '../storage/blobs.js';
import {chainIds} from '../storage/layers.js';
import {MediaType, isManifest, type Descriptor, type ImageConfig, type Manifest} from './oci.js';
import {formatReference, normalizeReference} from './reference.js';

export type Image = {
	/** The config digest. */
	id: Digest;
	manifestDigest: Digest;
	manifest: Manifest;
	config: ImageConfig;
	/** Full references, sorted; empty for a dangling image. */
	references: string[];
	created?: string;
	/** Sum of the layer blob sizes, as stored (compressed or not). */
	size: number;
	/** Diff ids, base layer first. */
	layers: Digest[];
};

/** What a removed image leaves behind that no remaining image uses. */
export type Garbage = {
	/** The names the removed image had. */
	references: string[];
	/** Manifest, config and layer blobs. */
	blobs: Digest[];
	/** Chain ids of unpacked layers. */
	chainIds: Digest[];
};

export type NewImage = {
	/** rootfs is filled from `layers`; a history entry without `created` gets the image's. */
	config: Omit<ImageConfig, 'rootfs'>;
	/** Blobs already in the store, base layer first, with the digest of each uncompressed tar. */
	layers: Array<{blob: Descriptor; diffId: Digest}>;
	annotations?: Record<string, string>;
};

type ImagesFile = {
	references: Record<string, Digest>;
	untagged: Digest[];
};

const noSuchImage = (name: string): BerthError => new BerthError('NO_SUCH_IMAGE', `no such image: \`${name}\``);

const idPrefixRegexp = /^(?:sha256:)?([a-f\d]{1,64})$/;

const unique = <T>(items: T[]): T[] => [...new Set(items)];

const referencesTo = (state: ImagesFile, manifest: Digest): string[] =>
	Object.keys(state.references).filter(reference => state.references[reference] === manifest).sort();

const blobsOf = (image: Image): Digest[] =>
	[image.manifestDigest, image.manifest.config.digest, ...image.manifest.layers.map(layer => layer.digest)];

export class ImageStore {
	readonly blobs: BlobStore;
	private readonly file: string;
	private readonly lockFile: string;

	constructor(root: string, blobs: BlobStore) {
		this.blobs = blobs;
		this.file = path.join(root, 'images.json');
		this.lockFile = path.join(root, 'locks', 'images.lock');
	}

	/** Every image, tagged and dangling, newest first. */
	async list(): Promise<Image[]> {
		const images = await this.loadAll(await this.read());
		return images.sort((a, b) => ((a.created ?? '') < (b.created ?? '') ? 1 : -1));
	}

	/**
	 * Finds an image as Docker does: by reference first (`abc` is docker.io/library/abc:latest),
	 * then by id or a unique prefix of it, with or without `sha256:`.
	 */
	async resolve(nameOrId: string): Promise<Image> {
		const state = await this.read();
		let key: string | undefined;
		let invalid: unknown;
		try {
			key = formatReference(normalizeReference(nameOrId));
		} catch (error) {
			invalid = error;
		}

		const manifest = key === undefined ? undefined : state.references[key];
		if (manifest) {
			return this.load(manifest, referencesTo(state, manifest));
		}

		const prefix = idPrefixRegexp.exec(nameOrId)?.[1];
		if (prefix) {
			const matches = (await this.loadAll(state)).filter(image => image.id.startsWith(`sha256:${prefix}`));
			if (new Set(matches.map(image => image.id)).size > 1) {
				throw new BerthError('AMBIGUOUS_ID', `image id \`${nameOrId}\` is ambiguous: it matches ${matches.length} images`);
			}

			// Two manifests may share a config; loadAll lists tagged ones first.
			if (matches[0]) {
				return matches[0];
			}
		}

		// A well-formed id that matches nothing is a missing image, not a malformed name.
		throw prefix || !invalid ? noSuchImage(nameOrId) : invalid;
	}

	/** Records a manifest without a name (a dangling image, until tagged). Returns the image id. */
	async addImage(manifest: Descriptor): Promise<Digest> {
		return (await this.record([{manifest: manifest.digest, references: []}]))[0]!;
	}

	/**
	 * Points `reference` at a manifest; the image it leaves becomes dangling if it has no other
	 * name. Returns the id of the image tagged.
	 */
	async tag(reference: string, manifest: Digest): Promise<Digest> {
		return (await this.record([{manifest, references: [reference]}]))[0]!;
	}

	/**
	 * Records manifests with their names (none: dangling) in one write of images.json, so that
	 * a load of several images records all of them or none. Returns their ids.
	 */
	async record(images: Array<{manifest: Digest; references: string[]}>): Promise<Digest[]> {
		const named = images.map(({manifest, references}) => ({manifest, keys: references.map(reference => formatReference(normalizeReference(reference)))}));
		const change = async (state: ImagesFile): Promise<Digest[]> => {
			const ids: Digest[] = [];
			for (const {manifest, keys} of named) {
				const {config} = await this.checkComplete(manifest);
				ids.push(config.digest);
				for (const key of keys) {
					const previous = state.references[key];
					state.references[key] = manifest;
					if (previous && previous !== manifest && referencesTo(state, previous).length === 0) {
						state.untagged.push(previous);
					}
				}

				const tagged = Object.values(state.references).includes(manifest);
				state.untagged = state.untagged.filter(digest => digest !== manifest);
				if (!tagged) {
					state.untagged.push(manifest);
				}
			}

			return ids;
		};

		// Recorded already (a rebuild that made the same image, a tag that is there): no lock and
		// no write. images.json is replaced whole by rename, so this read is one consistent state.
		const current = await this.read();
		const before = JSON.stringify(current);
		const ids = await change(current);
		return JSON.stringify(current) === before ? ids : this.update(change);
	}

	/**
	 * Deletes those of `digests` that no image uses, under the lock: the blobs a failed load
	 * stored. A concurrent load of the same blob that has not recorded its image yet then fails
	 * with a clear error, and succeeds when run again.
	 */
	async removeUnused(digests: Digest[]): Promise<void> {
		await withLock(this.lockFile, async () => {
			const used = new Set((await this.loadAll(await this.read())).flatMap(image => blobsOf(image)));
			for (const digest of digests.filter(digest => !used.has(digest))) {
				await this.blobs.remove(digest);
			}
		});
	}

	/** Removes one name. Returns the names the image still has; with none it is dangling. */
	async untag(reference: string): Promise<string[]> {
		const key = formatReference(normalizeReference(reference));
		return this.update(async state => {
			const manifest = state.references[key];
			if (!manifest) {
				throw noSuchImage(reference);
			}

			delete state.references[key];
			const remaining = referencesTo(state, manifest);
			if (remaining.length === 0) {
				state.untagged.push(manifest);
			}

			return remaining;
		});
	}

	/**
	 * Forgets the image with this id and all its names. The blobs and unpacked layers nothing
	 * else uses are returned, and passed to `release` before the lock is dropped, so that no
	 * image recorded meanwhile can come to depend on what it deletes.
	 */
	async remove(id: Digest, release?: (garbage: Garbage) => Promise<void>): Promise<Garbage> {
		return withLock(this.lockFile, async () => {
			const state = await this.read();
			const images = await this.loadAll(state);
			const doomed = images.filter(image => image.id === id);
			if (doomed.length === 0) {
				throw noSuchImage(id);
			}

			const kept = images.filter(image => image.id !== id);
			const usedBlobs = new Set(kept.flatMap(image => blobsOf(image)));
			const usedChains = new Set(kept.flatMap(image => chainIds(image.layers)));
			const garbage: Garbage = {
				references: doomed.flatMap(image => image.references),
				blobs: unique(doomed.flatMap(image => blobsOf(image))).filter(digest => !usedBlobs.has(digest)),
				chainIds: unique(doomed.flatMap(image => chainIds(image.layers))).filter(chain => !usedChains.has(chain)),
			};
			for (const reference of garbage.references) {
				delete state.references[reference];
			}

			state.untagged = state.untagged.filter(digest => !doomed.some(image => image.manifestDigest === digest));
			// images.json first: a crash before the blobs go leaves unused blobs, never a broken image.
			await this.write(state);
			await release?.(garbage);
			return garbage;
		});
	}

	/** Writes the config and an OCI manifest for layers already in the blob store. */
	async writeImage(image: NewImage): Promise<Descriptor> {
		const created = image.config.created ?? new Date().toISOString();
		const config: ImageConfig = {
			...image.config,
			created,
			rootfs: {type: 'layers', diff_ids: image.layers.map(layer => layer.diffId)},
		};
		if (image.config.history) {
			// umoci (and so every tool built on it) refuses history entries without `created`.
			config.history = image.config.history.map(({created: when, ...entry}) => ({created: when ?? created, ...entry}));
		}

		const configBlob = await this.blobs.put(JSON.stringify(config));
		const manifest: Manifest = {
			schemaVersion: 2,
			mediaType: MediaType.ociManifest,
			config: {mediaType: MediaType.ociConfig, ...configBlob},
			layers: image.layers.map(layer => layer.blob),
			...(image.annotations ? {annotations: image.annotations} : {}),
		};
		const manifestBlob = await this.blobs.put(JSON.stringify(manifest));
		return {mediaType: MediaType.ociManifest, ...manifestBlob};
	}

	private async read(): Promise<ImagesFile> {
		return readJsonOr<ImagesFile>(this.file, {references: {}, untagged: []});
	}

	private async write(state: ImagesFile): Promise<void> {
		const references = Object.fromEntries(Object.entries(state.references).sort(([a], [b]) => (a < b ? -1 : 1)));
		await writeJsonAtomic(this.file, {references, untagged: state.untagged});
	}

	/** Runs `change` on images.json under the lock and writes the result unless it throws or changed nothing. */
	private async update<T>(change: (state: ImagesFile) => Promise<T>): Promise<T> {
		return withLock(this.lockFile, async () => {
			const state = await this.read();
			const before = JSON.stringify(state);
			const result = await change(state);
			if (JSON.stringify(state) !== before) {
				await this.write(state);
			}

			return result;
		});
	}

	/** The manifest, once it and every blob it names are known to be in the store. */
	private async checkComplete(digest: Digest): Promise<Manifest> {
		const manifest = await this.blobs.readJson<Manifest>(digest);
		if (!isManifest(manifest)) {
			throw new BerthError('INVALID_ARGUMENT', `\`${digest}\` is not an image manifest`);
		}

		for (const blob of [manifest.config, ...manifest.layers]) {
			if (!await this.blobs.has(blob.digest)) {
				throw new BerthError('NO_SUCH_FILE', `blob \`${blob.digest}\` of image manifest \`${digest}\` is not in the store`);
			}
		}

		return manifest;
	}

	private async load(manifestDigest: Digest, references: string[]): Promise<Image> {
		const manifest = await this.blobs.readJson<Manifest>(manifestDigest);
		const config = await this.blobs.readJson<ImageConfig>(manifest.config.digest);
		return {
			id: manifest.config.digest,
			manifestDigest,
			manifest,
			config,
			references,
			created: config.created,
			size: manifest.layers.reduce((sum, layer) => sum + layer.size, 0),
			layers: config.rootfs.diff_ids,
		};
	}

	/** Tagged images first, in the order of their first name, then the dangling ones. */
	private async loadAll(state: ImagesFile): Promise<Image[]> {
		const manifests = unique([...Object.values(state.references), ...state.untagged]);
		return Promise.all(manifests.map(async manifest => this.load(manifest, referencesTo(state, manifest))));
	}
}
