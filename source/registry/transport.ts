/**
 * How berth reaches one registry: its base URL and node's own HTTP client, plus bounded retries.
 *
 * The scheme: HTTPS, trusting node's CAs (with those of NODE_EXTRA_CA_CERTS) and any CA laid out
 * as Docker does under certs.d/HOST[:PORT]/*.crt (a client certificate as client.cert and
 * client.key beside them).
 * --tls-verify=false means HTTPS without checking the certificate, and plain HTTP when the
 * registry does not speak TLS at all. Otherwise a loopback registry (localhost, 127.0.0.0/8,
 * ::1) with no certs.d entry is plain HTTP, as a test or development registry usually is.
 *
 * node:http rather than fetch or undici: both of those load a JavaScript HTTP stack and compile
 * a WebAssembly parser when the first request goes out, ~50 ms of every pull and push, where
 * node's parser is native and its client starts in a few.
 *
 * Retries: a 5xx, a 429 or a broken connection is tried again after a growing pause, a few
 * times at most. Requests whose body is a stream of an upload, or whose answer is streamed
 * into the store, are retried by their caller as a whole (`retrying`), never twice over.
 */
import fs from 'node:fs';
import http, {STATUS_CODES, type IncomingHttpHeaders} from 'node:http';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import {pipeline, type Readable} from 'node:stream';
import {isBerthError} from '../engine/errors.js';
import {networkCode, networkError, tlsAdvice} from './errors.js';

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

/** A registry's answer: its status and headers, and its body as a Node stream. */
export class Answer {
	constructor(
		/** The URL asked, after any redirect. */
		readonly url: string,
		readonly status: number,
		private readonly headers: IncomingHttpHeaders,
		readonly body: Readable,
	) {}

	get ok(): boolean {
		return this.status >= 200 && this.status < 300;
	}

	get statusText(): string {
		return STATUS_CODES[this.status] ?? '';
	}

	/** A header's value, several joined by commas; undefined when the answer has none. */
	header(name: string): string | undefined {
		const value = this.headers[name.toLowerCase()];
		return Array.isArray(value) ? value.join(', ') : value;
	}

	async bytes(): Promise<Buffer> {
		return Buffer.concat(await this.body.toArray() as Buffer[]);
	}

	async text(): Promise<string> {
		return (await this.bytes()).toString('utf8');
	}

	async json<T>(): Promise<T> {
		return JSON.parse(await this.text()) as T;
	}

	/** Reads the body away unseen, so that its connection serves the next request. */
	discard(): void {
		this.body.resume();
	}
}

export const defaultCertsDir = (env: NodeJS.ProcessEnv = process.env): string => env.BERTH_CERTS_DIR ?? '/etc/berth/certs.d';

/** Docker Hub's API is not served from docker.io itself. */
export const apiHost = (domain: string): string => domain === 'docker.io' ? 'registry-1.docker.io' : domain;

const hostname = (domain: string): string => domain.startsWith('[') ? domain.slice(0, domain.indexOf(']') + 1) : domain.split(':')[0]!;

export const isLoopback = (domain: string): boolean => {
	const host = hostname(domain);
	return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
};

/** Network failures worth another try; certificate problems are not among them. */
const transientCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ERR_STREAM_PREMATURE_CLOSE']);

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

/** Statuses a GET or HEAD follows to their Location. */
const redirects = new Set([301, 302, 303, 307, 308]);
const maxRedirects = 5;
/** A connection that stays silent this long is given up (ETIMEDOUT, so tried again). */
const idleTimeout = 5 * 60 * 1000;

const withoutAuthorization = (headers: Record<string, string>): Record<string, string> =>
	Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));

export class Transport {
	readonly domain: string;
	readonly certsDir: string;
	private base: string;
	private readonly tlsVerify: boolean;
	/** Connections kept open between requests, one pool per scheme. */
	private readonly agents: {http: http.Agent; https: https.Agent};

	constructor(domain: string, options: TransportOptions = {}) {
		this.domain = domain;
		this.certsDir = options.certsDir ?? defaultCertsDir();
		this.tlsVerify = options.tlsVerify !== false;
		const certs = readCerts(path.join(this.certsDir, domain));
		const plain = this.tlsVerify && isLoopback(domain) && certs.ca === undefined && certs.cert === undefined;
		this.base = `${plain ? 'http' : 'https'}://${apiHost(domain)}`;
		const cas = [...extraCas(), ...certs.ca ?? []];
		this.agents = {
			http: new http.Agent({keepAlive: true}),
			https: new https.Agent({keepAlive: true, ...certs, ...(cas.length > 0 ? {ca: [...tls.rootCertificates, ...cas]} : {}), rejectUnauthorized: this.tlsVerify}),
		};
	}

	/** An absolute URL for a path under the registry (`/v2/...`) or a Location the registry gave. */
	url(location: string, relativeTo?: string): string {
		return new URL(location, relativeTo ?? this.base).href;
	}

	/**
	 * One request, retried on transient failures unless `retry` is false. Answers of any status
	 * are returned; a connection that cannot be made is a REGISTRY_UNAVAILABLE error.
	 */
	async fetch(url: string, request: Request = {}): Promise<Answer> {
		const attempts = request.retry === false ? 1 : tries;
		for (let attempt = 0; ; attempt++) {
			const last = attempt + 1 >= attempts;
			let answer: Answer;
			try {
				answer = await this.followed(url, request);
			} catch (error) {
				if (last || !isTransient(error)) {
					throw networkError(error, this.domain, this.certsDir);
				}

				await sleep(backoff(attempt));
				continue;
			}

			if (last || !retryableStatus(answer.status)) {
				return answer;
			}

			answer.discard();
			await sleep(backoff(attempt, answer.header('retry-after')));
		}
	}

	/**
	 * One request whose body or answer is a blob, not retried: its caller retries the whole
	 * transfer.
	 */
	async send(url: string, request: Request = {}): Promise<Answer> {
		try {
			return await this.followed(url, request);
		} catch (error) {
			throw networkError(error, this.domain, this.certsDir);
		}
	}

	async close(): Promise<void> {
		this.agents.http.destroy();
		this.agents.https.destroy();
	}

	/**
	 * The answer to `request`, after the redirects of a GET or HEAD: Docker Hub sends blob
	 * downloads to a CDN. The credentials stay with the registry's own host.
	 */
	private async followed(url: string, request: Request): Promise<Answer> {
		let target = new URL(url);
		let headers = request.headers ?? {};
		const method = request.method ?? 'GET';
		for (let count = 0; ; count++) {
			const answer = await this.exchange(target, method, headers, request);
			const location = answer.header('location');
			if ((method !== 'GET' && method !== 'HEAD') || !redirects.has(answer.status) || !location || count === maxRedirects) {
				return answer;
			}

			answer.discard();
			const next = new URL(location, target);
			if (next.origin !== target.origin) {
				headers = withoutAuthorization(headers);
			}

			target = next;
		}
	}

	private async exchange(url: URL, method: string, headers: Record<string, string>, request: Request): Promise<Answer> {
		try {
			return await new Promise<Answer>((resolve, reject) => {
				const body = request.body?.();
				const sized = typeof body === 'string' || body instanceof Uint8Array;
				const outgoing = (url.protocol === 'https:' ? https : http).request(url, {
					method,
					agent: url.protocol === 'https:' ? this.agents.https : this.agents.http,
					headers: {'User-Agent': 'berth', ...(sized ? {'Content-Length': String(Buffer.byteLength(body))} : {}), ...headers},
					timeout: idleTimeout,
				});
				outgoing.on('timeout', () => {
					outgoing.destroy(Object.assign(new Error(`no answer in ${idleTimeout / 1000} s`), {code: 'ETIMEDOUT'}));
				});
				outgoing.on('error', reject);
				outgoing.on('response', message => {
					resolve(new Answer(url.href, message.statusCode ?? 0, message.headers, message));
				});
				if (body === undefined || sized) {
					outgoing.end(body);
				} else {
					// Either side failing ends both; the request's failure reaches `reject`.
					pipeline(body, outgoing, () => undefined);
				}
			});
		} catch (error) {
			// --tls-verify=false also means a registry that speaks no TLS at all.
			if (!this.tlsVerify && url.protocol === 'https:' && /SSL|EPROTO/.test(networkCode(error) ?? '')) {
				this.base = this.base.replace(/^https:/, 'http:');
				const plain = new URL(url);
				plain.protocol = 'http:';
				return this.exchange(plain, method, headers, request);
			}

			throw error;
		}
	}
}
