/**
 * `berth save`: images as the one tar archive newer Docker writes, which Docker (old and new),
 * podman, skopeo (`oci-archive:`) and umoci (once unpacked) all read: an OCI image layout
 * (`oci-layout`, `index.json`, `blobs/sha256/...`) and, beside it, Docker's `manifest.json`
 * pointing at the same blobs. Blobs go in as they are stored, so every digest stays valid.
 *
 * The metadata comes first and every time is zero: saving the same images twice gives the
 * same bytes.
 */
import {MediaType, type Descriptor, type Index} from './oci.js';
import {familiar, formatReference, normalizeReference, parseReference} from './reference.js';
import type {Image} from './store.js';
import type {BlobStore, Digest} from '../storage/blobs.js';
import {tarHeader, writeTar, type TarOutput, type WriteEntry} from '../storage/tar-writer.js';

/** What to save: an image, and the name the user gave it (a tag of it, or an id). */
export type SaveItem = {image: Image; name: string};

const blobPath = (digest: Digest) => `blobs/sha256/${digest.slice('sha256:'.length)}`;

const json = (path: string, value: unknown): WriteEntry => {
	const body = Buffer.from(JSON.stringify(value));
	return {header: tarHeader({path, type: 'file', size: body.length}), body};
};

/** The full reference the user named, when it is one of the image's names (not an id). */
const tagOf = ({image, name}: SaveItem): string | undefined => {
	try {
		const key = formatReference(normalizeReference(name));
		return image.references.includes(key) ? key : undefined;
	} catch {
		return undefined;
	}
};

export const saveArchive = (blobs: BlobStore, items: SaveItem[]): TarOutput => writeTar((async function * () {
	const manifests: Descriptor[] = [];
	const dockerManifest: Array<{Config: string; RepoTags: string[]; Layers: string[]}> = [];
	for (const item of items) {
		const {image} = item;
		const tag = tagOf(item);
		const descriptor: Descriptor = {
			mediaType: image.manifest.mediaType ?? MediaType.ociManifest,
			digest: image.manifestDigest,
			size: await blobs.size(image.manifestDigest),
		};
		if (tag) {
			descriptor.annotations = {
				'io.containerd.image.name': tag,
				'org.opencontainers.image.ref.name': parseReference(tag).tag ?? 'latest',
			};
		}

		manifests.push(descriptor);
		const entry = dockerManifest.find(saved => saved.Config === blobPath(image.id));
		if (entry) {
			entry.RepoTags.push(...tag ? [familiar(tag)] : []);
		} else {
			dockerManifest.push({
				Config: blobPath(image.id),
				RepoTags: tag ? [familiar(tag)] : [],
				Layers: image.manifest.layers.map(layer => blobPath(layer.digest)),
			});
		}
	}

	const index: Index = {schemaVersion: 2, mediaType: MediaType.ociIndex, manifests};
	yield json('oci-layout', {imageLayoutVersion: '1.0.0'});
	yield json('index.json', index);
	yield json('manifest.json', dockerManifest);
	yield {header: tarHeader({path: 'blobs/', type: 'directory'})};
	yield {header: tarHeader({path: 'blobs/sha256/', type: 'directory'})};
	const written = new Set<Digest>();
	for (const {image} of items) {
		for (const descriptor of [{digest: image.manifestDigest}, image.manifest.config, ...image.manifest.layers]) {
			if (written.has(descriptor.digest)) {
				continue;
			}

			written.add(descriptor.digest);
			const size = await blobs.size(descriptor.digest);
			// The tar writer reads the blob straight into its output.
			yield {header: tarHeader({path: blobPath(descriptor.digest), type: 'file', size}), body: {file: blobs.path(descriptor.digest)}};
		}
	}
})());
