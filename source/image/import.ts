/**
 * `berth import`: a root filesystem tarball becomes a one-layer image, as `docker import` and
 * `podman import` make it. The tarball is stored as the layer blob byte for byte, plain or
 * gzipped as given, so its digest is what the user can compute from the file; it is unpacked
 * into the layer store only when a container needs it.
 */
import type {Readable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import type {Digest} from '../storage/blobs.js';
import {applyChanges} from './changes.js';
import {LayerCheck} from './layer-check.js';
import {MediaType, hostPlatform} from './oci.js';
import {normalizeReference} from './reference.js';
import type {ImageStore} from './store.js';

export type ImportOptions = {
	/** Tags the image; without it the image is dangling. */
	reference?: string;
	/** Dockerfile-like instructions for the config: CMD, ENV, WORKDIR, ... */
	changes?: readonly string[];
	/** The history comment, as `docker import -m`. */
	message?: string;
};

/**
 * Stores `source` as an image and returns its id. A truncated or non-tar input is an
 * INVALID_ARCHIVE error and leaves the store as it was.
 */
export const importTarball = async (store: ImageStore, source: Readable, options: ImportOptions = {}): Promise<Digest> => {
	// Bad flags fail before a byte is read.
	const runtimeConfig = applyChanges({}, options.changes ?? []);
	if (options.reference !== undefined) {
		normalizeReference(options.reference);
	}

	const check = new LayerCheck();
	const piping = pipeline(source, check);
	// Its failure is also the ingest's: handled there, it must not count as unhandled meanwhile.
	piping.catch(() => undefined);
	// A failing source or check fails the ingest with the same error, after it removed its file.
	const blob = await store.blobs.ingest(check).catch(async (error: unknown) => {
		// An ingest that gave up before reading to the end would leave the pipe waiting forever.
		check.destroy();
		await piping.catch(() => undefined);
		throw error;
	});
	await piping;
	const created = new Date().toISOString();
	const {os, architecture, variant} = hostPlatform();
	const manifest = await store.writeImage({
		config: {
			created,
			architecture,
			os,
			...(variant ? {variant} : {}),
			config: runtimeConfig,
			history: [{created, created_by: 'berth import', ...(options.message ? {comment: options.message} : {})}],
		},
		layers: [{
			blob: {mediaType: check.compression === 'gzip' ? MediaType.ociLayerGzip : MediaType.ociLayer, ...blob},
			diffId: check.diffId!,
		}],
	});
	return options.reference === undefined ? store.addImage(manifest) : store.tag(options.reference, manifest.digest);
};
