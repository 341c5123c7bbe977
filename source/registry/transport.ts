/**
 * How berth reaches one registry: its base URL and a fetch dispatcher, plus bounded retries.
 *
 * The scheme: HTTPS, trusting node's CAs (with those of NODE_EXTRA_CA_CERTS) and any CA laid out
 * as Docker does under certs.d/HOST[:PORT]/*.crt (a client certificate as client.cert and
 * client.key beside them).
 * --tls-verify=false means HTTPS without checking the certificate, and plain HTTP when the
 * registry does not speak TLS at all. Otherwise a loopback registry (localhost, 127.0.0.0/8,
 * ::1) with no certs.d entry is plain HTTP, as a test or development registry usually is.
 *
 * Retries: a 5xx, a 429 or a broken connection is tried again after a growing pause, a few
 * times at most. Requests whose body is a stream of an upload, or whose answer is streamed
 * into the store, are retried by their caller as a whole (`retrying`), never twice over.
 */
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type {Readable} from 'node:stream';
import {STATUS_CODES} from 'node:http';
import {createRequire} from 'node:module';
import type {Agent as UndiciAgent, Dispatcher} from 'undici';
import {isBerthError} from '../engine/errors.js';
import {packageRoot} from '../engine/paths.js';
import {networkCode, networkError, tlsAdvice} from './errors.js';

// undici's index loads all of it (fetch, websockets, mocks): 110 ms of every pull's and push's
// start. These two files are what berth uses; the version is pinned in package.json.
const require = createRequire(path.join(packageRoot(), 'package.json'));
const Agent = require('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;
const undiciRequest = require('undici/lib/api/api-request.js') as (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

export type TransportOptions = {
	/** false: do not verify the registry's certificate, and accept plain HTTP. */
	tlsVerify?: boolean;
	/** Where the registries' CAs are; BERTH_CERTS_DIR or /etc/berth/certs.d by default. */
	certsDir?: string;
};

export type RequestBody = string | Uint8Array | Readable;

export type Request = {
	method?: string;
	headers?: Record<string, string>;
	/** Made anew for each try, so that a retried request sends its whole body again. */
	body?: () => RequestBody;
	/** Whether 5xx, 429 and broken connections are retried here (default: yes). */
	retry?: boolean;
};

/** An answer whose body, if any, is a Node stream. */
export type Streamed = {response: Response; body?: Readable};

export const defaultCertsDir = (env: NodeJS.ProcessEnv = process.env): string => env.BERTH_CERTS_DIR ?? '/etc/berth/certs.d';

/** Docker Hub's API is not served from docker.io itself. */
export const apiHost = (domain: string): string => domain === 'docker.io' ? 'registry-1.docker.io' : domain;

const hostname = (domain: string): string => domain.startsWith('[') ? domain.slice(0, domain.indexOf(']') + 1) : domain.split(':')[0]!;

export const isLoopback = (domain: string): boolean => {
	const host = hostname(domain);
	return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
};

/** Network failures worth another try; certificate problems are not among them. */
const transientCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export const tries = 4;

const sleep = async (ms: number) => new Promise(resolve => {
	setTimeout(resolve, ms);
});

/** The pause before try `attempt + 1`: 0.2 s doubling, with jitter; a Retry-After up to 10 s wins. */
const backoff = (attempt: number, retryAfter?: string | null): number => {
	const seconds = Number(retryAfter);
	if (retryAfter && Number.isFinite(seconds)) {
		return Math.min(seconds, 10) * 1000;
	}

	return (200 * (2 ** attempt)) * (0.75 + (Math.random() / 2));
};

const retryableStatus = (status: number): boolean => status === 429 || status >= 500;

/** True for a failure that may pass on its own: a registry overloaded or failing, a dropped connection. */
export const isTransient = (error: unknown): boolean => {
	if (isBerthError(error)) {
		return error.code === 'REGISTRY_UNAVAILABLE' && !error.message.endsWith(tlsAdvice);
	}

	return transientCodes.has(networkCode(error) ?? '');
};

/** Runs `attempt` up to `tries` times while it fails with a transient error. */
export const retrying = async <T>(attempt: (count: number) => Promise<T>, transient: (error: unknown) => boolean = isTransient): Promise<T> => {
	for (let count = 0; ; count++) {
		try {
			return await attempt(count);
		} catch (error) {
			if (count + 1 >= tries || !transient(error)) {
				throw error;
			}

			await sleep(backoff(count));
		}
	}
};

/** certs.d/HOST/: every *.crt is a CA; client.cert with client.key is the client's identity. */
const readCerts = (dir: string): {ca?: string[]; cert?: string; key?: string} => {
	let names: string[];
	try {
		names = fs.readdirSync(dir);
	} catch {
		return {};
	}

	const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
	const cas = names.filter(name => name.endsWith('.crt')).sort().map(name => read(name));
	const client = names.includes('client.cert') && names.includes('client.key') ? {cert: read('client.cert'), key: read('client.key')} : {};
	return {...(cas.length > 0 ? {ca: cas} : {}), ...client};
};

/**
 * The CAs of NODE_EXTRA_CA_CERTS, which node would read at every start: the `berth` launcher
 * hands the file over as BERTH_EXTRA_CA_CERTS so that only a command that reaches a registry
 * reads it. Unreadable, it is left out, as node leaves it out.
 */
const extraCas = (env: NodeJS.ProcessEnv = process.env): string[] => {
	try {
		return env.BERTH_EXTRA_CA_CERTS ? [fs.readFileSync(env.BERTH_EXTRA_CA_CERTS, 'utf8')] : [];
	} catch {
		return [];
	}
};

export class Transport {
	readonly domain: string;
	readonly certsDir: string;
	private base: string;
	private readonly tlsVerify: boolean;
	private readonly dispatcher: UndiciAgent;

	constructor(domain: string, options: TransportOptions = {}) {
		this.domain = domain;
		this.certsDir = options.certsDir ?? defaultCertsDir();
		this.tlsVerify = options.tlsVerify !== false;
		const certs = readCerts(path.join(this.certsDir, domain));
		const plain = this.tlsVerify && isLoopback(domain) && certs.ca === undefined && certs.cert === undefined;
		this.base = `${plain ? 'http' : 'https'}://${apiHost(domain)}`;
		const cas = [...extraCas(), ...certs.ca ?? []];
		this.dispatcher = new Agent({connect: {...certs, ...(cas.length > 0 ? {ca: [...tls.rootCertificates, ...cas]} : {}), rejectUnauthorized: this.tlsVerify}});
	}

	/** An absolute URL for a path under the registry (`/v2/...`) or a Location the registry gave. */
	url(location: string, relativeTo?: string): string {
		return new URL(location, relativeTo ?? this.base).href;
	}

	/**
	 * One request, retried on transient failures unless `retry` is false. Answers of any status
	 * are returned; a connection that cannot be made is a REGISTRY_UNAVAILABLE error.
	 */
	async fetch(url: string, request: Request = {}): Promise<Response> {
		const attempts = request.retry === false ? 1 : tries;
		for (let attempt = 0; ; attempt++) {
			const last = attempt + 1 >= attempts;
			let response: Response;
			try {
				response = await this.fetchOnce(url, request);
			} catch (error) {
				if (last || !isTransient(error)) {
					throw networkError(error, this.domain, this.certsDir);
				}

				await sleep(backoff(attempt));
				continue;
			}

			if (last || !retryableStatus(response.status)) {
				return response;
			}

			await response.body?.cancel();
			await sleep(backoff(attempt, response.headers.get('retry-after')));
		}
	}

	/**
	 * A request whose body or answer is a blob, sent through undici's request API on the same
	 * connections, with Node streams: fetch's web streams copy every chunk, which cost a push a
	 * fifth of its CPU. An answer of 400 or more comes with its text, as fetch's would. Not
	 * retried: its caller retries the whole transfer.
	 */
	async stream(url: string, sent: Request = {}): Promise<Streamed> {
		let answer;
		try {
			const {origin, pathname, search} = new URL(url);
			answer = await undiciRequest.call(this.dispatcher, {
				origin,
				path: pathname + search,
				method: (sent.method ?? 'GET') as Dispatcher.HttpMethod,
				headers: sent.headers,
				body: sent.body?.(),
				// Docker Hub sends blob downloads to a CDN; undici drops the credentials on the way.
				maxRedirections: sent.method === undefined || sent.method === 'GET' ? 5 : 0,
			});
		} catch (error) {
			throw networkError(error, this.domain, this.certsDir);
		}

		const headers = new Headers();
		for (const [name, value] of Object.entries(answer.headers)) {
			for (const each of [value ?? []].flat()) {
				headers.append(name, each);
			}
		}

		const init = {status: answer.statusCode, statusText: STATUS_CODES[answer.statusCode] ?? '', headers};
		if (answer.statusCode >= 400) {
			return {response: new Response(await answer.body.text(), init)};
		}

		return {response: new Response(null, init), body: answer.body};
	}

	async close(): Promise<void> {
		await this.dispatcher.close();
	}

	private async fetchOnce(url: string, request: Request): Promise<Response> {
		const body = request.body?.();
		const init = {
			method: request.method ?? 'GET',
			headers: request.headers,
			body,
			dispatcher: this.dispatcher,
			...(body !== undefined && typeof body === 'object' && !(body instanceof Uint8Array) ? {duplex: 'half'} : {}),
		};
		try {
			return await fetch(url, init as RequestInit);
		} catch (error) {
			// --tls-verify=false also means a registry that speaks no TLS at all.
			if (!this.tlsVerify && url.startsWith('https:') && /SSL|EPROTO/.test(networkCode(error) ?? '')) {
				this.base = this.base.replace(/^https:/, 'http:');
				return this.fetchOnce(url.replace(/^https:/, 'http:'), request);
			}

			throw error;
		}
	}
}
