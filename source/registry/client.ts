/**
 * The distribution API (OCI distribution spec, Docker registry v2) for one repository of one
 * registry: manifests, blobs, uploads, tags. Every request carries what the Authorizer
 * knows; a 401 teaches it the registry's challenge and the request goes once more.
 * Answers other than the expected ones become BerthErrors (errors.ts).
 */
import {createHash} from 'node:crypto';
import type {Readable} from 'node:stream';
import {BerthError} from '../engine/errors.js';
import {MediaType} from '../image/oci.js';
import type {Digest} from '../storage/blobs.js';
import {Authorizer} from './auth.js';
import type {Credentials} from './credentials.js';
import {responseError} from './errors.js';
import {Transport, type Answer, type Request, type TransportOptions} from './transport.js';

/**
 * distribution 2.8 answers 404 to a manifest GET whose Accept lists only Docker types for an
 * OCI manifest, so every type berth reads is listed.
 */
export const manifestAccept = [
	MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerManifestList, MediaType.dockerManifest,
].join(', ');

export type ClientOptions = TransportOptions & {credentials?: Credentials};

export type FetchedManifest = {bytes: Buffer; mediaType: string; digest: Digest};

type ClientRequest = Request & {
	/** Statuses that are not failures; anything else is thrown as a BerthError. */
	expect: number[];
	/** What the request is about, for an error message. */
	object?: string;
	/** Token scopes beyond the repository's own (a mount's source). */
	extraScopes?: string[];
};

export const digestOf = (bytes: Uint8Array): Digest => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export class RegistryClient {
	readonly domain: string;
	readonly transport: Transport;
	private readonly authorizer: Authorizer;

	/**
	 * `repository` is the path inside the registry (library/busybox); `actions` the token
	 * scope's actions on it: pull, or pull and push.
	 */
	constructor(domain: string, readonly repository: string, private readonly actions: string[], options: ClientOptions = {}) {
		this.domain = domain;
		this.transport = new Transport(domain, options);
		this.authorizer = new Authorizer(this.transport, options.credentials);
	}

	/** Any request to the registry, authenticated, with the answer checked against `expect`. */
	async request(location: string, request: ClientRequest): Promise<Answer> {
		return this.exchange(location, request, false);
	}

	/** The same for a blob's bytes, up or down, not retried here (Transport.send). */
	async requestStream(location: string, request: ClientRequest): Promise<Answer> {
		return this.exchange(location, request, true);
	}

	/** Checks that the registry answers, and accepts the credentials (`berth login`). */
	async ping(): Promise<void> {
		(await this.request('/v2/', {expect: [200]})).discard();
	}

	/** A manifest or index by tag or digest, its digest checked against what was asked and what the registry says. */
	async getManifest(reference: string): Promise<FetchedManifest> {
		const response = await this.request(`/v2/${this.repository}/manifests/${reference}`, {
			headers: {Accept: manifestAccept},
			expect: [200],
			object: reference,
		});
		const bytes = await response.bytes();
		const digest = digestOf(bytes);
		const claimed = reference.startsWith('sha256:') ? reference : response.header('docker-content-digest');
		if (claimed && claimed !== digest) {
			throw new BerthError('DIGEST_MISMATCH', `manifest \`${reference}\` from ${this.domain} does not match its digest: got ${digest}, expected ${claimed}`);
		}

		const mediaType = (JSON.parse(bytes.toString('utf8')) as {mediaType?: string}).mediaType
			?? response.header('content-type') ?? MediaType.ociManifest;
		return {bytes, mediaType, digest};
	}

	/** Uploads a manifest under `reference` (tag or digest); returns the digest the registry gave it. */
	async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<Digest | undefined> {
		const response = await this.request(`/v2/${this.repository}/manifests/${reference}`, {
			method: 'PUT',
			headers: {'Content-Type': mediaType},
			body: () => bytes,
			expect: [201, 200],
			object: reference,
		});
		response.discard();
		return response.header('docker-content-digest') as Digest | undefined;
	}

	async hasBlob(digest: Digest): Promise<boolean> {
		const response = await this.request(`/v2/${this.repository}/blobs/${digest}`, {method: 'HEAD', expect: [200, 404], object: digest});
		response.discard();
		return response.status === 200;
	}

	/** The blob's bytes as a stream; not retried here, since its caller retries the whole download. */
	async getBlob(digest: Digest): Promise<Readable> {
		return (await this.requestStream(`/v2/${this.repository}/blobs/${digest}`, {expect: [200], object: digest, retry: false})).body;
	}

	/**
	 * Starts an upload; with `mountFrom`, asks the registry to link the blob from that
	 * repository instead. Returns undefined when it was mounted, else the upload's location.
	 */
	async startUpload(digest: Digest, mountFrom?: string): Promise<string | undefined> {
		const query = mountFrom ? `?mount=${digest}&from=${encodeURIComponent(mountFrom)}` : '';
		const response = await this.request(`/v2/${this.repository}/blobs/uploads/${query}`, {
			method: 'POST',
			expect: [201, 202],
			object: digest,
			retry: false,
			...(mountFrom ? {extraScopes: [`repository:${mountFrom}:pull`]} : {}),
		});
		response.discard();
		return response.status === 201 ? undefined : this.location(response, response.url);
	}

	/** How many bytes of the upload at `location` the registry holds. */
	async uploadOffset(location: string): Promise<{location: string; offset: number}> {
		const response = await this.request(location, {expect: [204], retry: false, object: 'upload'});
		// distribution says 0-0 both for nothing and for one byte: nothing is the likely one.
		const end = Number(/^(?:bytes=)?0-(\d+)$/.exec(response.header('range') ?? '')?.[1] ?? 0);
		return {location: this.location(response, location), offset: end === 0 ? 0 : end + 1};
	}

	/** Sends one chunk, starting at `offset`; returns the location for the next request. */
	async patchUpload(location: string, offset: number, size: number, body: Request['body']): Promise<string> {
		const answer = await this.requestStream(location, {
			method: 'PATCH',
			headers: {
				// distribution 2.8 takes nothing else for a chunk.
				'Content-Type': 'application/octet-stream',
				'Content-Range': `${offset}-${offset + size - 1}`,
				'Content-Length': String(size),
			},
			body,
			expect: [202],
			retry: false,
			object: 'upload',
		});
		answer.discard();
		return this.location(answer, location);
	}

	/** Closes the upload: the registry checks the whole blob against `digest`. */
	async finishUpload(location: string, digest: Digest): Promise<void> {
		const url = new URL(this.transport.url(location));
		url.searchParams.set('digest', digest);
		(await this.request(url.href, {method: 'PUT', expect: [201], retry: false, object: digest})).discard();
	}

	/** Every tag of the repository, following the `Link` pages. */
	async tags(): Promise<string[]> {
		const tags: string[] = [];
		let next: string | undefined = `/v2/${this.repository}/tags/list`;
		while (next) {
			const response = await this.request(next, {expect: [200], object: 'tags'});
			tags.push(...(await response.json<{tags?: string[] | null}>()).tags ?? []);
			const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(response.header('link') ?? '');
			next = link ? this.transport.url(link[1]!, response.url) : undefined;
		}

		return tags;
	}

	async close(): Promise<void> {
		await this.transport.close();
	}

	/** Sends `request` with what the Authorizer knows; after a 401 that taught it something, once more. */
	private async exchange(location: string, request: ClientRequest, stream: boolean): Promise<Answer> {
		const scopes = [
			...this.repository ? [`repository:${this.repository}:${this.actions.join(',')}`] : [],
			...request.extraScopes ?? [],
		];
		const url = this.transport.url(location);
		let answer: Answer | undefined;
		for (let attempt = 0; attempt < 2; attempt++) {
			const authorization = await this.authorizer.header(scopes);
			const sent = {...request, headers: {...request.headers, ...(authorization ? {Authorization: authorization} : {})}};
			answer = stream ? await this.transport.send(url, sent) : await this.transport.fetch(url, sent);
			if (answer.status !== 401 || !this.authorizer.unauthorized(answer, scopes, authorization)) {
				break;
			}

			answer.discard();
		}

		if (!request.expect.includes(answer!.status)) {
			throw await responseError(answer!, {domain: this.domain, repository: this.repository, object: request.object, certsDir: this.transport.certsDir});
		}

		return answer!;
	}

	private location(response: Answer, base: string): string {
		const location = response.header('location');
		if (!location) {
			throw new BerthError('REGISTRY_UNAVAILABLE', `${this.domain} answered ${response.status} without a Location for an upload of \`${this.repository}\``);
		}

		return this.transport.url(location, this.transport.url(base));
	}
}
