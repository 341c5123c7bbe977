/**
 * `berth load`: the images of an archive, gzipped or not, in any of the shapes in use:
 *
 *  - an OCI image layout (`index.json`, `blobs/sha256/...`): podman's and skopeo's
 *    `oci-archive`, newer Docker's `save` (which also has a `manifest.json`), berth's own;
 *  - Docker's `manifest.json` with a config and layer tars per image: older Docker's `save`
 *    (`<id>/layer.tar`, `<id>.json`) and podman's `docker-archive` (`<hex>.tar`).
 *
 * The archive is read once, front to back. Every file under `blobs/sha256/` is streamed into
 * the blob store and checked against its name; other layer tars are stored by their content's
 * digest and checked against the config's diff ids; the small JSON files stay in memory. Only
 * once every image is whole are they recorded, all in one write of images.json: a corrupt,
 * truncated or unreadable archive, or a full disk, leaves the images as they were, and the
 * blobs it had stored are deleted again.
 */
import path from 'node:path';
import {Readable} from 'node:stream';
import {createGunzip} from 'node:zlib';
import {createHash} from 'node:crypto';
import {BerthError} from '../engine/errors.js';
import type {BlobRef, Digest} from '../storage/blobs.js';
import {cleanEntryPath} from '../storage/safe-path.js';
import {TarReader} from '../storage/tar-reader.js';
import {isIndex, isManifest, MediaType, selectManifest, type Descriptor, type ImageConfig, type Index, type Manifest} from './oci.js';
import {familiar, formatReference, normalizeReference} from './reference.js';
import type {ImageStore} from './store.js';

export type LoadedImage = {id: Digest; references: string[]};

/** Metadata files are held in memory: one larger than this is not metadata. */
const maxMetadata = 32 * 1024 * 1024;

const blobPathRegexp = /^blobs\/sha256\/([a-f\d]{64})$/;
const metadataNames = new Set(['repositories', 'oci-layout', 'VERSION', 'json']);

const invalid = (why: string) => new BerthError('INVALID_ARCHIVE', `invalid image archive: ${why}`);

/** The archive's files: small metadata by path, everything else as a stored blob. */
class Staged {
	readonly metadata = new Map<string, Buffer>();
	readonly blobs = new Map<string, BlobRef>();
	/** Symlinks and hardlinks (old Docker links layers shared between images), to their target. */
	readonly links = new Map<string, string>();

	constructor(private readonly store: ImageStore) {}

	/** Blobs made from the archive's content (configs, manifests) rather than taken from it. */
	readonly made: Digest[] = [];

	/** Every digest stored, to delete again if the load fails. */
	get stored(): Digest[] {
		return [...[...this.blobs.values()].map(blob => blob.digest), ...this.made];
	}

	async read(source: AsyncIterable<Buffer>): Promise<void> {
		const reader = new TarReader(source, {digest: false});
		try {
			for (let header = await reader.next(); header !== null; header = await reader.next()) {
				const name = cleanEntryPath(header.path);
				if (header.type === 'symlink') {
					this.links.set(name, path.posix.join(path.posix.dirname(name), header.linkpath));
				} else if (header.type === 'hardlink') {
					this.links.set(name, cleanEntryPath(header.linkpath));
				} else if (header.type === 'file') {
					await this.file(name, header.size, reader);
				}
			}
		} finally {
			await reader.close();
		}

		if (this.metadata.size === 0 && this.blobs.size === 0) {
			throw invalid('it holds no files');
		}
	}

	/** The path a link points at, followed to the end. */
	resolve(name: string): string {
		let resolved = name;
		for (let hops = 0; this.links.has(resolved) && hops < 40; hops++) {
			resolved = cleanEntryPath(this.links.get(resolved)!);
		}

		return resolved;
	}

	blob(name: string): BlobRef {
		const blob = this.blobs.get(this.resolve(name));
		if (!blob) {
			throw invalid(`\`${name}\` is missing`);
		}

		return blob;
	}

	async bytes(name: string): Promise<Buffer> {
		return this.metadata.get(this.resolve(name)) ?? this.store.blobs.read(this.blob(name).digest);
	}

	async json<T>(name: string): Promise<T> {
		try {
			return JSON.parse((await this.bytes(name)).toString('utf8')) as T;
		} catch (error) {
			throw error instanceof SyntaxError ? invalid(`\`${name}\` is not JSON`) : error;
		}
	}

	/** The blob a descriptor names, which the archive must hold (or the store hold already). */
	async descriptor(descriptor: Descriptor): Promise<void> {
		if (!this.blobs.has(`blobs/sha256/${descriptor.digest.slice(7)}`) && !await this.store.blobs.has(descriptor.digest)) {
			throw invalid(`blob \`${descriptor.digest}\` is missing`);
		}
	}

	private async file(name: string, size: number, reader: TarReader): Promise<void> {
		const blobName = blobPathRegexp.exec(name);
		const base = path.posix.basename(name);
		if (!blobName && (base.endsWith('.json') || metadataNames.has(base))) {
			if (size > maxMetadata) {
				throw invalid(`\`${name}\` is too large for metadata`);
			}

			const chunks = [];
			for await (const chunk of reader.body()) {
				chunks.push(chunk);
			}

			this.metadata.set(name, Buffer.concat(chunks));
			return;
		}

		const expected = blobName ? {digest: `sha256:${blobName[1]}` as Digest, size} : {size};
		this.blobs.set(name, await this.store.blobs.ingest(Readable.from(reader.body()), expected));
	}
}

/** The diff id of a stored layer blob: its own digest when it is a plain tar, else that of its gunzipped content. */
const diffIdOf = async (store: ImageStore, blob: BlobRef): Promise<{diffId: Digest; gzip: boolean}> => {
	const head = await new Promise<Buffer>((resolve, reject) => {
		const stream = store.blobs.open(blob.digest);
		stream.once('data', chunk => {
			stream.destroy();
			resolve(chunk as Buffer);
		});
		stream.once('end', () => resolve(Buffer.alloc(0)));
		stream.once('error', reject);
	});
	if (head[0] !== 0x1F || head[1] !== 0x8B) {
		return {diffId: blob.digest, gzip: false};
	}

	const hash = createHash('sha256');
	try {
		for await (const chunk of store.blobs.open(blob.digest).pipe(createGunzip())) {
			hash.update(chunk as Buffer);
		}
	} catch (error) {
		throw invalid(`layer \`${blob.digest}\` is not valid gzip: ${(error as Error).message}`);
	}

	return {diffId: `sha256:${hash.digest('hex')}`, gzip: true};
};

/** A full reference from an OCI layout's annotations; a bare tag (`latest`) names nothing. */
const layoutName = (annotations: Record<string, string> = {}): string | undefined => {
	const name = annotations['io.containerd.image.name'] ?? annotations['org.opencontainers.image.ref.name'];
	if (!name || !/[/:]/.test(name)) {
		return undefined;
	}

	try {
		return formatReference(normalizeReference(name));
	} catch {
		return undefined;
	}
};

type Found = {manifest: Digest; config: Digest; references: string[]};

/** The images of an OCI layout: each entry of index.json, an index resolved to the host's platform. */
const fromLayout = async (staged: Staged): Promise<Found[]> => {
	const index = await staged.json<Index>('index.json');
	if (!Array.isArray(index.manifests)) {
		throw invalid('`index.json` lists no manifests');
	}

	const found: Found[] = [];
	for (const entry of index.manifests) {
		let descriptor: Descriptor | undefined = entry;
		await staged.descriptor(descriptor);
		const document = await staged.json<Index | Manifest>(`blobs/sha256/${descriptor.digest.slice(7)}`);
		if (isIndex(document)) {
			descriptor = selectManifest(document);
			if (!descriptor) {
				throw invalid(`index \`${entry.digest}\` has no image for this platform`);
			}

			await staged.descriptor(descriptor);
		}

		const manifest = await staged.json<Manifest>(`blobs/sha256/${descriptor.digest.slice(7)}`);
		if (!isManifest(manifest)) {
			throw invalid(`\`${descriptor.digest}\` is not an image manifest`);
		}

		for (const blob of [manifest.config, ...manifest.layers]) {
			await staged.descriptor(blob);
		}

		const name = layoutName(entry.annotations);
		found.push({manifest: descriptor.digest, config: manifest.config.digest, references: name ? [name] : []});
	}

	return found;
};

type DockerEntry = {Config: string; RepoTags?: string[] | null; Layers: string[]};

/** The images of Docker's manifest.json, each given a new OCI manifest over the same config and layers. */
const fromDockerManifest = async (store: ImageStore, staged: Staged): Promise<Found[]> => {
	const entries = await staged.json<DockerEntry[]>('manifest.json');
	if (!Array.isArray(entries)) {
		throw invalid('`manifest.json` is not a list');
	}

	const found: Found[] = [];
	for (const entry of entries) {
		const bytes = await staged.bytes(entry.Config);
		const config = await store.blobs.put(bytes);
		staged.made.push(config.digest);
		const named = /([a-f\d]{64})(?:\.json)?$/.exec(entry.Config)?.[1];
		if (named && config.digest !== `sha256:${named}`) {
			throw new BerthError('DIGEST_MISMATCH', `config \`${entry.Config}\` does not match its name: its digest is ${config.digest}`);
		}

		const diffIds = (JSON.parse(bytes.toString('utf8')) as ImageConfig).rootfs?.diff_ids ?? [];
		if (diffIds.length !== entry.Layers.length) {
			throw invalid(`image \`${entry.Config}\` lists ${entry.Layers.length} layers, its config ${diffIds.length}`);
		}

		const layers: Descriptor[] = [];
		for (const [index, layerPath] of entry.Layers.entries()) {
			const blob = staged.blob(layerPath);
			const {diffId, gzip} = await diffIdOf(store, blob);
			if (diffId !== diffIds[index]) {
				throw new BerthError('DIGEST_MISMATCH', `layer \`${layerPath}\` does not match the config: its diff id is ${diffId}, not ${diffIds[index]!}`);
			}

			layers.push({mediaType: gzip ? MediaType.ociLayerGzip : MediaType.ociLayer, ...blob});
		}

		const manifest: Manifest = {schemaVersion: 2, mediaType: MediaType.ociManifest, config: {mediaType: MediaType.ociConfig, ...config}, layers};
		const stored = await store.blobs.put(JSON.stringify(manifest));
		staged.made.push(stored.digest);
		found.push({manifest: stored.digest, config: config.digest, references: (entry.RepoTags ?? []).map(tag => formatReference(normalizeReference(tag)))});
	}

	return found;
};

/**
 * Reads the archive and records its images with their names; returns them. Nothing is
 * recorded unless all of them are whole.
 */
export const loadArchive = async (store: ImageStore, source: AsyncIterable<Buffer>): Promise<LoadedImage[]> => {
	const staged = new Staged(store);
	try {
		await staged.read(source);
		let found: Found[];
		if (staged.metadata.has('index.json')) {
			found = await fromLayout(staged);
			// Newer Docker names its images in manifest.json too.
			if (staged.metadata.has('manifest.json')) {
				for (const entry of await staged.json<DockerEntry[]>('manifest.json')) {
					const image = found.find(({config}) => entry.Config.endsWith(config.slice(7)));
					image?.references.push(...(entry.RepoTags ?? []).map(tag => formatReference(normalizeReference(tag))));
				}
			}
		} else if (staged.metadata.has('manifest.json')) {
			found = await fromDockerManifest(store, staged);
		} else {
			throw invalid('it has neither `index.json` nor `manifest.json`');
		}

		if (found.length === 0) {
			throw invalid('it holds no image');
		}

		const ids = await store.record(found.map(({manifest, references}) => ({manifest, references: [...new Set(references)]})));
		return found.map(({references}, index) => ({id: ids[index]!, references: [...new Set(references)].map(reference => familiar(reference))}));
	} catch (error) {
		await store.removeUnused(staged.stored).catch(() => undefined);
		throw error;
	}
};
