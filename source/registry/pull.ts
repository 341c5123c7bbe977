/**
 * Pull: a reference's manifest (picked from an index by platform), its config and layers
 * into the blob store, the layers unpacked, then the names recorded.
 *
 * Order matters for crash safety. Each blob is verified while it streams into ingest/ and
 * renamed into blobs/ only when whole, so a broken pull leaves whole blobs or nothing; the
 * tag and the `repo@digest` name are written last, once every blob is in, so a broken pull
 * leaves no name pointing at a half image, and the next pull fetches only what is missing.
 * The manifest is stored byte for byte, so its digest (and the image id, the config's) stays
 * the registry's.
 */
import {PassThrough, Readable, Transform} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {BerthError, isBerthError} from '../engine/errors.js';
import {isIndex, isManifest, selectManifest, hostPlatform, platformMatches, type Descriptor, type ImageConfig, type Index, type Manifest, type Platform} from '../image/oci.js';
import {familiar, formatReference, normalizeReference, repositoryName, type Reference} from '../image/reference.js';
import type {ImageStore} from '../image/store.js';
import type {BlobStore, Digest} from '../storage/blobs.js';
import {chainIds, type LayerStore} from '../storage/layers.js';
import {RegistryClient, type ClientOptions} from './client.js';
import {inContext, networkCode} from './errors.js';
import {limiter, settleAll} from './limit.js';
import type {LayerPhase, OnProgress} from './progress.js';
import {retrying} from './transport.js';

export type PullStores = {images: ImageStore; blobs: BlobStore; layers: LayerStore};

export type PullOptions = ClientOptions & {
	/** Every tag of the repository (`pull -a`). */
	all?: boolean;
	/** The platform to pick from an index; this host's by default. */
	platform?: Platform;
	onProgress?: OnProgress;
};

export type Pulled = {
	/** The full reference pulled: docker.io/library/busybox:latest. */
	reference: string;
	/** The image id (config digest). */
	id: Digest;
	/** The digest the reference resolved to: the index's when the registry gave an index. */
	digest: Digest;
	/** False when the reference already named this image here. */
	fresh: boolean;
};

/**
 * Blobs fetched at once, as podman and skopeo do (Docker takes 3): each download is unpacked
 * as it arrives and goes at its unpack's pace, so with 3 the fourth big layer of an image
 * started only when one finished and ran alone at the end, one core idle. Unpacks of blobs
 * already here at once: one per core here.
 */
const downloads = 6;
const unpacks = 2;

/** `os/arch[/variant]`, as --platform takes it. */
export const parsePlatform = (text: string): Platform => {
	const [os, architecture, variant, ...rest] = text.split('/');
	if (!os || !architecture || rest.length > 0) {
		throw new BerthError('INVALID_ARGUMENT', `invalid platform \`${text}\`: expected os/arch or os/arch/variant`);
	}

	return {os, architecture, ...(variant ? {variant} : {})};
};

const platformName = (platform: Platform | undefined): string =>
	platform ? [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/') : 'unknown';

type LayerProgress = (phase: LayerPhase, current?: number) => void;

/** Bytes gathered before they go on: a network chunk is 64 KiB, a write of it a thread-pool round trip. */
const batch = 1024 * 1024;

/**
 * Gathers the download into batches of a MiB and with `tar` copies each to it too, waiting
 * while `tar` is full, so that a layer is unpacked from the bytes as they arrive instead of
 * being read back from the store.
 */
const tee = (tar?: PassThrough): Transform => {
	let held: Buffer[] = [];
	let size = 0;
	const pass = (stream: Transform, callback: (error?: Error | null) => void) => {
		const chunk = Buffer.concat(held, size);
		held = [];
		size = 0;
		stream.push(chunk);
		if (!tar || tar.write(chunk)) {
			callback();
		} else {
			tar.once('drain', () => {
				callback();
			});
		}
	};

	return new Transform({
		transform(chunk: Buffer, _encoding, callback) {
			held.push(chunk);
			size += chunk.length;
			if (size < batch) {
				callback();
			} else {
				pass(this, callback);
			}
		},
		flush(callback) {
			const end = () => {
				tar?.end();
				callback();
			};

			if (size > 0) {
				pass(this, end);
			} else {
				end();
			}
		},
	});
};

/**
 * Streams a blob into the store, verified against its descriptor, and with `unpack` unpacks
 * it from the same bytes; retried whole when the connection breaks. It resolves once the blob
 * is in the store: the unpack's tail (its last entries, its syncfs) goes on in `unpacked`, so
 * that the download's place goes to the next blob instead of waiting on the disk.
 */
const download = async (
	client: RegistryClient, blobs: BlobStore, blob: Descriptor,
	progress?: LayerProgress, unpack?: (tar: Readable) => Promise<unknown>,
): Promise<{unpacked: Promise<void>}> =>
	retrying(async () => {
		const body = await client.getBlob(blob.digest);
		const tar = new PassThrough({highWaterMark: 1024 * 1024});
		// Its failures reach this function through `unpacking`.
		tar.on('error', () => undefined);
		const source = tee(unpack ? tar : undefined);
		// An unpack that fails stops the download; one with nothing to do (the layer was
		// unpacked meanwhile) lets the bytes pass.
		const unpacking = unpack?.(tar).then(() => {
			tar.resume();
		}, (error: unknown) => {
			source.destroy(error as Error);
			throw error;
		});
		unpacking?.catch(() => undefined);
		const feeding = pipeline(body, source);
		feeding.catch(() => undefined);
		let current = 0;
		try {
			await blobs.ingest(source, {digest: blob.digest, size: blob.size}, chunk => {
				current += chunk.length;
				progress?.(current === blob.size ? 'verifying' : 'downloading', current);
			});
			await feeding;
			if (unpack) {
				progress?.('extracting');
			}
		} catch (error) {
			body.destroy();
			tar.destroy(error as Error);
			await unpacking?.catch(() => undefined);
			throw error;
		}

		return {unpacked: unpacking ?? Promise.resolve()};
	}).catch((error: unknown) => {
		if (isBerthError(error)) {
			throw error;
		}

		throw new BerthError('REGISTRY_UNAVAILABLE', `the download of \`${blob.digest}\` from ${client.domain} kept breaking off (${networkCode(error) ?? String(error)}): try again`, {cause: error});
	});

/** The manifest to pull for `tagOrDigest`, and the digest the reference itself has (an index's, when it is one). */
const resolveManifest = async (client: RegistryClient, tagOrDigest: string, platform: Platform | undefined) => {
	const top = await client.getManifest(tagOrDigest);
	const document = JSON.parse(top.bytes.toString('utf8')) as Manifest | Index;
	if (isIndex(document)) {
		const entry = selectManifest(document, platform ?? hostPlatform());
		if (!entry) {
			const offered = document.manifests.map(manifest => platformName(manifest.platform)).join(', ');
			throw new BerthError('REGISTRY_NOT_FOUND', `no image for ${platformName(platform ?? hostPlatform())} in it (it has ${offered}): choose one with --platform`);
		}

		const chosen = await client.getManifest(entry.digest);
		return {top, chosen, manifest: JSON.parse(chosen.bytes.toString('utf8')) as Manifest};
	}

	if (!isManifest(document)) {
		throw new BerthError('INVALID_ARGUMENT', `it is not an image: its manifest type is \`${top.mediaType}\``);
	}

	return {top, chosen: top, manifest: document};
};

const pullOne = async (stores: PullStores, client: RegistryClient, reference: Reference, options: PullOptions): Promise<Pulled> => {
	const {images, blobs, layers} = stores;
	const name = formatReference(reference);
	const emit = options.onProgress ?? (() => undefined);
	emit({type: 'start', action: 'pull', reference: name});
	const {top, chosen, manifest} = await resolveManifest(client, reference.digest ?? reference.tag!, options.platform);
	const previous = await images.resolve(name).then(image => image.manifestDigest, () => undefined);

	// The config comes while the layers start: only their unpacks need its diff ids.
	const configured = (async () => {
		if (!await blobs.has(manifest.config.digest)) {
			await download(client, blobs, manifest.config);
		}

		const config = await blobs.readJson<ImageConfig>(manifest.config.digest);
		if (config.rootfs.diff_ids.length !== manifest.layers.length) {
			throw new BerthError('INVALID_ARGUMENT', `its config lists ${config.rootfs.diff_ids.length} layers and its manifest ${manifest.layers.length}`);
		}

		if (options.platform && !platformMatches(config, options.platform)) {
			throw new BerthError('REGISTRY_NOT_FOUND', `it is an image for ${platformName(config)}, not ${platformName(options.platform)}`);
		}

		return chainIds(config.rootfs.diff_ids);
	})();
	for (const layer of manifest.layers) {
		emit({type: 'layer', digest: layer.digest, phase: 'waiting'});
	}

	const fetching = limiter(downloads);
	const unpacking = limiter(unpacks);
	await settleAll<unknown>([configured, ...manifest.layers.map(async (layer, index) => {
		const progress = (phase: LayerPhase, current?: number) =>
			emit({type: 'layer', digest: layer.digest, phase, current, total: layer.size});
		if (await blobs.has(layer.digest)) {
			const chains = await configured;
			if (await layers.has(chains[index]!)) {
				progress('exists');
				return;
			}

			await unpacking(async () => {
				progress('extracting');
				await layers.unpack(chains[index]!, () => blobs.open(layer.digest), chains[index - 1]);
			});
		} else {
			// A config that fails its checks stops the download through its unpack.
			const {unpacked} = await fetching(async () => {
				progress('downloading', 0);
				return download(client, blobs, layer, progress, async tar => {
					const chains = await configured;
					return layers.unpack(chains[index]!, () => tar, chains[index - 1]);
				});
			});
			await unpacked;
		}

		progress('done');
	})]);

	await blobs.put(chosen.bytes);
	if (reference.tag) {
		await images.tag(name, chosen.digest);
	}

	await images.tag(`${repositoryName(reference)}@${top.digest}`, chosen.digest);
	emit({type: 'digest', reference: name, digest: top.digest, size: top.bytes.length});
	const fresh = previous !== chosen.digest;
	emit({type: 'end', reference: name, fresh});
	return {reference: name, id: manifest.config.digest, digest: top.digest, fresh};
};

/** Pulls NAME[:TAG|@DIGEST], or with `all` every tag of NAME. */
export const pull = async (stores: PullStores, input: string, options: PullOptions = {}): Promise<Pulled[]> => {
	const reference = normalizeReference(input);
	if (options.all && (reference.digest || /[:@][^/]*$/.test(input))) {
		throw new BerthError('INVALID_ARGUMENT', `tag can't be used with --all-tags/-a: \`${input}\``);
	}

	const client = new RegistryClient(reference.domain, reference.path, ['pull'], options);
	try {
		const tags = options.all ? (await client.tags().catch((error: unknown) => {
			throw inContext(error, 'list the tags of', input);
		})).sort() : [undefined];
		const pulled = [];
		for (const tag of tags) {
			const one: Reference = tag ? {domain: reference.domain, path: reference.path, tag} : reference;
			pulled.push(await pullOne(stores, client, one, options).catch((error: unknown) => {
				throw inContext(error, 'pull', familiar(one));
			}));
		}

		return pulled;
	} finally {
		await client.close();
	}
};
