/** Images as the front ends see them: looked up, listed, imported, unpacked for containers. */
import type {Readable} from 'node:stream';
import type {Engine} from './engine.js';
import type {Image} from '../image/store.js';
import {importTarball, type ImportOptions} from '../image/import.js';
import {chainIds} from '../storage/layers.js';
import {familiar} from '../image/reference.js';

export class Images {
	constructor(private readonly engine: Engine) {}

	async get(nameOrId: string): Promise<Image> {
		return this.engine.imageStore.resolve(nameOrId);
	}

	async list(): Promise<Image[]> {
		return this.engine.imageStore.list();
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
		const id = await importTarball(this.engine.imageStore, source, options);
		await this.engine.events.record('image', 'import', id, options.reference ? {name: options.reference} : {});
		return id;
	}

	/** The image as `docker image inspect` shows it. */
	async inspect(nameOrId: string): Promise<Record<string, unknown>> {
		const image = await this.get(nameOrId);
		const {config} = image;
		return {
			Id: image.id,
			RepoTags: image.references.filter(reference => !reference.includes('@')).map(reference => familiar(reference)),
			RepoDigests: image.references.filter(reference => reference.includes('@')).map(reference => familiar(reference)),
			Created: image.created ?? config.created ?? '',
			Author: config.author ?? '',
			Config: config.config ?? {},
			Architecture: config.architecture,
			Os: config.os,
			Size: image.size,
			RootFS: {Type: 'layers', Layers: image.layers},
			Metadata: {LastTagTime: ''},
		};
	}
}
