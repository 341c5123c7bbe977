/**
 * Images as the front ends see them: looked up, listed, tagged, removed, imported, committed,
 * saved and loaded, and unpacked for containers.
 *
 * Removal keeps what containers stand on: an image any container uses is refused without
 * `force`, and even forced, the unpacked layers a container's root is made of stay until no
 * container uses them (the next `image prune` collects them).
 */
import type {Readable} from 'node:stream';
import type {Engine} from './engine.js';
import {BerthError, withDiskFull} from './errors.js';
import {commitContainer, type CommitOptions} from './commit.js';
import type {Garbage, Image} from '../image/store.js';
import {labelsMatch, referenceMatches, type ImageFilters} from '../image/filter.js';
import {importTarball, type ImportOptions} from '../image/import.js';
import type {History} from '../image/oci.js';
import {loadArchive} from '../image/load.js';
import {saveArchive} from '../image/save.js';
import type {Digest} from '../storage/blobs.js';
import {chainIds} from '../storage/layers.js';
import type {TarOutput} from '../storage/tar-writer.js';
import {familiar, formatReference, normalizeReference, parseReference, repositoryName} from '../image/reference.js';

export type Removed = {
	/** Names removed, as Docker prints them. */
	untagged: string[];
	/** The image id when the image itself went, then the unpacked layers deleted with it. */
	deleted: Digest[];
	/** Bytes of blobs and layers freed. */
	reclaimed: number;
};

export type HistoryRow = {
	/** The image's id on its newest row; undefined (Docker's <missing>) below. */
	id?: Digest;
	created?: string;
	createdBy: string;
	size: number;
	comment: string;
};

export type Loaded = {id: Digest; references: string[]};

const isDigestReference = (reference: string): boolean => reference.includes('@');

const repositoryOf = (reference: string): string => repositoryName(parseReference(reference));

/**
 * The names `rmi NAME` takes away: NAME, and when it was the last tag of its repository the
 * digest references of that repository too, as Docker does (they alone would keep the image
 * with no tag to show it by).
 */
const namesRemovedWith = (references: readonly string[], name: string): string[] => {
	if (isDigestReference(name)) {
		return [name];
	}

	const repository = repositoryOf(name);
	const others = references.filter(reference => reference !== name && repositoryOf(reference) === repository);
	return others.some(reference => !isDigestReference(reference)) ? [name] : [name, ...others];
};

/** Docker's "single reference": at most one tag, and every name in one repository; `rmi ID` may take those without -f. */
const oneRepository = (references: readonly string[]): boolean =>
	references.filter(reference => !isDigestReference(reference)).length <= 1 && new Set(references.map(repositoryOf)).size <= 1;

const referenceKey = (name: string): string | undefined => {
	try {
		return formatReference(normalizeReference(name));
	} catch {
		return undefined;
	}
};

export class Images {
	constructor(private readonly engine: Engine) {}

	async get(nameOrId: string): Promise<Image> {
		return this.engine.imageStore.resolve(nameOrId);
	}

	async list(): Promise<Image[]> {
		return this.engine.imageStore.list();
	}

	/** The images `images --filter` lists, newest first, each with only the names its reference filters match. */
	async listFiltered(filters: ImageFilters): Promise<Image[]> {
		const createdOf = async (name: string | undefined) => name === undefined ? undefined : Date.parse((await this.get(name)).created ?? '');
		const before = await createdOf(filters.before);
		const since = await createdOf(filters.since);
		return (await this.list()).flatMap(image => {
			const created = Date.parse(image.created ?? '');
			// As Docker: dangling=true is "no tag" (a digest reference alone counts as none), dangling=false "any name".
			const tagged = image.references.some(reference => !isDigestReference(reference));
			if ((filters.dangling === true && tagged) || (filters.dangling === false && image.references.length === 0)
				|| (before !== undefined && !(created < before)) || (since !== undefined && !(created > since))
				|| !labelsMatch(filters, image.config.config?.Labels)) {
				return [];
			}

			if (filters.references.length === 0) {
				return [image];
			}

			const references = image.references.filter(reference => filters.references.some(pattern => referenceMatches(pattern, reference)));
			return references.length > 0 ? [{...image, references}] : [];
		});
	}

	/**
	 * The image's layers as directories, topmost first (overlayfs's lowerdir order), unpacking
	 * any that a container has not needed before.
	 */
	async unpack(image: Image): Promise<string[]> {
		const {layerStore, blobs} = this.engine;
		const chains = chainIds(image.layers);
		for (const [index, chain] of chains.entries()) {
			const blob = image.manifest.layers[index]!;
			await layerStore.unpack(chain, () => blobs.open(blob.digest), chains[index - 1]);
		}

		return chains.map(chain => layerStore.dir(chain)).reverse();
	}

	async import(source: Readable, options: ImportOptions): Promise<string> {
		await this.engine.sweep();
		const id = await withDiskFull('import the image', async () => importTarball(this.engine.imageStore, source, options));
		await this.event('import', id, options.reference);
		return id;
	}

	async commit(container: string, options: CommitOptions): Promise<Digest> {
		return withDiskFull('commit the container', async () => commitContainer(this.engine, container, options));
	}

	async tag(source: string, target: string): Promise<void> {
		const image = await this.get(source);
		await this.engine.imageStore.tag(target, image.manifestDigest);
		await this.event('tag', image.id, target);
	}

	/**
	 * `rmi`: a name of an image that has others is only untagged (its repository's digest
	 * references go with its last tag there); otherwise the image goes, with its blobs and
	 * unpacked layers that no other image uses. An id with names in several repositories or
	 * several tags, or an image a container uses, needs `force`; one a running container uses stays.
	 */
	async remove(nameOrId: string, options: {force?: boolean} = {}): Promise<Removed> {
		const image = await this.get(nameOrId);
		const key = referenceKey(nameOrId);
		if (key !== undefined && image.references.includes(key)) {
			const names = namesRemovedWith(image.references, key);
			if (image.references.some(reference => !names.includes(reference))) {
				return this.untag(image, names);
			}
		} else if (!oneRepository(image.references) && !options.force) {
			throw new BerthError('IMAGE_IN_USE', `image \`${nameOrId}\` has ${image.references.length} names: remove them one by one or use --force`);
		}

		const users = (await this.engine.containers.list({all: true})).filter(container => container.Image === image.id);
		const running = users.find(container => container.State.Running);
		if (running || (users.length > 0 && (!options.force || image.references.length === 0))) {
			const user = running ?? users[0]!;
			throw new BerthError('IMAGE_IN_USE', `image \`${nameOrId}\` is used by ${running ? 'running ' : ''}container \`${user.Id.slice(0, 12)}\`${running || options.force ? '' : ': remove it first or use --force'}`);
		}

		// As Docker: forced, an image a stopped container uses loses its names and stays, dangling.
		return users.length > 0 ? this.untag(image, image.references) : this.delete(image.id);
	}

	/**
	 * `image prune`: dangling images (all unused ones with `all`) and unpacked layers no image
	 * uses. As Docker, an image with digest references and no tag is dangling here.
	 */
	async prune(options: {all?: boolean} = {}): Promise<Removed[]> {
		const used = new Set((await this.engine.containers.list({all: true})).map(container => container.Image));
		const doomed = (await this.list()).filter(image => !used.has(image.id)
			&& (options.all || image.references.every(reference => isDigestReference(reference))));
		const removed: Removed[] = [];
		for (const id of new Set(doomed.map(image => image.id))) {
			try {
				removed.push(await this.delete(id));
			} catch (error) {
				// Removed by another process meanwhile.
				if (!(error instanceof BerthError && error.code === 'NO_SUCH_IMAGE')) {
					throw error;
				}
			}
		}

		const referenced = new Set((await this.list()).flatMap(image => chainIds(image.layers)));
		const orphans = (await this.engine.layerStore.list()).filter(chain => !referenced.has(chain));
		const freed = await this.release({references: [], blobs: [], chainIds: orphans});
		if (freed.deleted.length > 0) {
			removed.push({untagged: [], ...freed});
		}

		return removed;
	}

	/** The image's history, newest first, each step with the size of the layer it made. */
	async history(nameOrId: string): Promise<HistoryRow[]> {
		const image = await this.get(nameOrId);
		const history: History[] = image.config.history ?? image.layers.map(() => ({}));
		let layer = 0;
		const rows = history.map(entry => {
			const size = entry.empty_layer ? 0 : image.manifest.layers[layer++]?.size ?? 0;
			return {created: entry.created, createdBy: entry.created_by ?? '', size, comment: entry.comment ?? ''};
		}).reverse();
		return rows.map((row, index) => index === 0 ? {id: image.id, ...row} : row);
	}

	/** The images as one archive (OCI layout and Docker's manifest.json), streamed. */
	async save(names: string[]): Promise<TarOutput> {
		const images = [];
		for (const name of names) {
			images.push({image: await this.get(name), name});
		}

		const archive = saveArchive(this.engine.blobs, images);
		for (const {image, name} of images) {
			await this.event('save', image.id, name);
		}

		return archive;
	}

	/** Loads every image of a `save` archive (Docker's, podman's or a plain OCI layout), all or none. */
	async load(source: Readable): Promise<Loaded[]> {
		await this.engine.sweep();
		const loaded = await withDiskFull('load the images', async () => loadArchive(this.engine.imageStore, source));
		for (const {id, references} of loaded) {
			await this.event('load', id, references[0]);
		}

		return loaded;
	}

	/** The image as `docker image inspect` shows it. */
	async inspect(nameOrId: string): Promise<Record<string, unknown>> {
		const image = await this.get(nameOrId);
		const {config} = image;
		const snapshotter = await this.engine.snapshotter();
		return {
			Id: image.id,
			RepoTags: image.references.filter(reference => !reference.includes('@')).map(reference => familiar(reference)),
			RepoDigests: image.references.filter(reference => reference.includes('@')).map(reference => familiar(reference)),
			Parent: '',
			Comment: config.history?.at(-1)?.comment ?? '',
			Created: image.created ?? config.created ?? '',
			DockerVersion: '',
			Author: config.author ?? '',
			Config: config.config ?? {},
			Architecture: config.architecture,
			...(config.variant ? {Variant: config.variant} : {}),
			Os: config.os,
			Size: image.size,
			GraphDriver: {Name: snapshotter.name, Data: null},
			RootFS: {Type: 'layers', Layers: image.layers},
			Metadata: {LastTagTime: ''},
		};
	}

	private async untag(image: Image, references: string[]): Promise<Removed> {
		for (const reference of references) {
			await this.engine.imageStore.untag(reference);
			await this.event('untag', image.id, reference);
		}

		return {untagged: references.map(reference => familiar(reference)), deleted: [], reclaimed: 0};
	}

	/** Forgets the image and deletes what only it used, except layers a container stands on. */
	private async delete(id: Digest): Promise<Removed> {
		let freed = {deleted: [] as Digest[], reclaimed: 0};
		const garbage = await this.engine.imageStore.remove(id, async garbage => {
			freed = await this.release(garbage);
		});
		await this.event('delete', id);
		return {untagged: garbage.references.map(reference => familiar(reference)), deleted: [id, ...freed.deleted], reclaimed: freed.reclaimed};
	}

	/** Deletes the blobs and unpacked layers given, but no layer a container's root is made of. */
	private async release(garbage: Garbage): Promise<{deleted: Digest[]; reclaimed: number}> {
		const {blobs, layerStore, containerStore} = this.engine;
		const inUse = new Set((await containerStore.list()).flatMap(container => container.Rootfs.lowers));
		let reclaimed = 0;
		for (const digest of garbage.blobs) {
			reclaimed += await blobs.size(digest).catch(() => 0);
			await blobs.remove(digest);
		}

		const deleted = garbage.chainIds.filter(chain => !inUse.has(layerStore.dir(chain)));
		for (const chain of deleted) {
			await layerStore.remove(chain);
		}

		return {deleted, reclaimed};
	}

	private async event(action: string, id: string, name?: string): Promise<void> {
		await this.engine.events.record('image', action, id, name ? {name} : {});
	}
}
