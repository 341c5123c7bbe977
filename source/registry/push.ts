/**
 * Push: an image's blobs, then its manifest, to the repository its name points at.
 *
 * Each blob is first looked up (HEAD) and skipped when the registry has it. Else, when an
 * image here came from (or went to) another repository of the same registry with this blob,
 * the registry is asked to mount it from there; else it is uploaded in chunks (PATCH with
 * Content-Range, as application/octet-stream) and closed with a PUT that names its digest.
 * An upload that breaks resumes from the offset the registry reports, or starts over when
 * the registry dropped it. The manifest goes last, byte for byte as stored, so the tag moves
 * only once everything it needs is up, and the digest the registry answers must equal berth's.
 */
import fs from 'node:fs';
import {Transform} from 'node:stream';
import {BerthError, isBerthError} from '../engine/errors.js';
import {MediaType, type Descriptor} from '../image/oci.js';
import {familiar, formatReference, normalizeReference, parseReference, repositoryName} from '../image/reference.js';
import type {Image, ImageStore} from '../image/store.js';
import type {BlobStore, Digest} from '../storage/blobs.js';
import {RegistryClient, digestOf, type ClientOptions} from './client.js';
import {inContext} from './errors.js';
import {limiter, settleAll} from './limit.js';
import type {OnProgress} from './progress.js';
import {isTransient, retrying} from './transport.js';

export type PushStores = {images: ImageStore; blobs: BlobStore};

export type PushOptions = ClientOptions & {
	onProgress?: OnProgress;
	/** Bytes per PATCH; 64 MiB by default. */
	chunkSize?: number;
};

export type Pushed = {reference: string; digest: Digest; size: number};

/** Blobs sent at once, and bytes per PATCH, as Docker's defaults (it sends a blob in one PATCH). */
const uploads = 5;
const defaultChunkSize = 64 * 1024 * 1024;

/**
 * Repositories of `domain` that hold each blob, as far as this store knows: those the images
 * here were pulled from or pushed to, which their `repo@digest` names record (a tag alone
 * says nothing of what a registry has).
 */
const mountSources = (images: Image[], domain: string, repository: string): Map<Digest, string> => {
	const sources = new Map<Digest, string>();
	for (const image of images) {
		for (const name of image.references) {
			const parsed = parseReference(name);
			if (parsed.digest && parsed.domain === domain && parsed.path !== repository) {
				for (const blob of [image.manifest.config, ...image.manifest.layers]) {
					sources.set(blob.digest, parsed.path);
				}
			}
		}
	}

	return sources;
};

type Upload = {
	client: RegistryClient;
	blobs: BlobStore;
	blob: Descriptor;
	chunkSize: number;
	onBytes: (current: number) => void;
};

/**
 * Sends the blob from `offset` on in chunks, then closes the upload. `session.location` follows
 * the registry's answers: distribution's carries the offset it expects next.
 */
const sendChunks = async ({client, blobs, blob, chunkSize, onBytes}: Upload, session: {location: string}, offset: number): Promise<void> => {
	const file = blobs.path(blob.digest);
	while (offset < blob.size) {
		const start = offset;
		const size = Math.min(chunkSize, blob.size - start);
		session.location = await client.patchUpload(session.location, start, size, () => {
			let sent = start;
			return fs.createReadStream(file, {start, end: start + size - 1, highWaterMark: 1024 * 1024}).pipe(new Transform({
				transform(chunk: Buffer, _encoding, callback) {
					sent += chunk.length;
					onBytes(sent);
					callback(null, chunk);
				},
			}));
		});
		offset += size;
	}

	await client.finishUpload(session.location, blob.digest);
};

/**
 * The registry forgot the upload or no longer takes it where it stood: distribution cancels
 * one whose chunk broke half way, sometimes only after it answered a status request.
 */
const uploadLost = (error: unknown): boolean => isBerthError(error)
	&& (error.code === 'REGISTRY_NOT_FOUND' || (error.code === 'INVALID_ARGUMENT' && /BLOB_UPLOAD_INVALID| 416/.test(error.message)));

/**
 * Uploads one blob from the upload at `location`: on a transient failure it resumes where the
 * registry stands, and when the registry lost the upload it starts a new one.
 */
const upload = async (job: Upload, location: string): Promise<void> => {
	let session: {location: string} | undefined = {location};
	await retrying(async attempt => {
		let offset = 0;
		if (attempt > 0 && session) {
			session = await job.client.uploadOffset(session.location).then(status => {
				offset = status.offset;
				return {location: status.location};
			}, () => undefined);
		}

		session ??= {location: (await job.client.startUpload(job.blob.digest))!};
		job.onBytes(offset);
		await sendChunks(job, session, offset);
	}, error => {
		if (uploadLost(error)) {
			session = undefined;
			return true;
		}

		return isTransient(error);
	});
};

const manifestMediaType = (bytes: Buffer): string => {
	const manifest = JSON.parse(bytes.toString('utf8')) as {mediaType?: string; config?: Descriptor};
	if (manifest.mediaType) {
		return manifest.mediaType;
	}

	return manifest.config?.mediaType === MediaType.dockerConfig ? MediaType.dockerManifest : MediaType.ociManifest;
};

const pushImage = async (stores: PushStores, client: RegistryClient, name: string, options: PushOptions): Promise<Pushed> => {
	const {images, blobs} = stores;
	const emit = options.onProgress ?? (() => undefined);
	const image = await images.resolve(name);
	const bytes = await blobs.read(image.manifestDigest);
	const sources = mountSources(await images.list(), client.domain, client.repository);
	emit({type: 'start', action: 'push', reference: name});
	const {layers} = image.manifest;
	for (const layer of layers) {
		emit({type: 'layer', digest: layer.digest, phase: 'waiting'});
	}

	const sending = limiter(uploads);
	await settleAll([image.manifest.config, ...layers].map(async blob => sending(async () => {
		const shown = layers.includes(blob);
		const progress = (phase: 'pushing' | 'exists' | 'mounted' | 'done', current?: number, from?: string) => {
			if (shown) {
				emit({type: 'layer', digest: blob.digest, phase, current, total: blob.size, ...(from ? {from} : {})});
			}
		};

		if (await client.hasBlob(blob.digest)) {
			progress('exists');
			return;
		}

		const from = sources.get(blob.digest);
		const location = await retrying(async () => client.startUpload(blob.digest, from));
		if (location === undefined) {
			progress('mounted', undefined, from);
			return;
		}

		await upload({client, blobs, blob, chunkSize: options.chunkSize ?? defaultChunkSize, onBytes: current => {
			progress('pushing', current);
		}}, location);
		progress('done');
	})));

	const tag = normalizeReference(name).tag!;
	const answered = await client.putManifest(tag, bytes, manifestMediaType(bytes));
	const digest = digestOf(bytes);
	if (answered && answered !== digest) {
		throw new BerthError('DIGEST_MISMATCH', `the registry stored its manifest as ${answered}, not ${digest}`);
	}

	await images.tag(`${repositoryName(normalizeReference(name))}@${digest}`, image.manifestDigest);
	emit({type: 'digest', reference: name, digest, size: bytes.length});
	emit({type: 'end', reference: name, fresh: true});
	return {reference: name, digest, size: bytes.length};
};

/** Pushes NAME[:TAG] (latest by default), which must name an image here. */
export const push = async (stores: PushStores, input: string, options: PushOptions = {}): Promise<Pushed> => {
	const reference = normalizeReference(input);
	if (reference.digest) {
		throw new BerthError('INVALID_REFERENCE', `cannot push a digest reference: \`${input}\`: push NAME[:TAG]`);
	}

	const client = new RegistryClient(reference.domain, reference.path, ['pull', 'push'], options);
	try {
		return await pushImage(stores, client, formatReference(reference), options);
	} catch (error) {
		throw inContext(error, 'push', familiar(reference));
	} finally {
		await client.close();
	}
};
