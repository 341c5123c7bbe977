/**
 * Authentication with a registry, learnt from its answers as Docker does. A request goes out
 * with whatever this Authorizer knows; a 401 carries a `WWW-Authenticate` challenge:
 *
 * - `Basic`: the credentials go with every later request;
 * - `Bearer realm=... service=...`: a token for the request's scopes (`repository:NAME:pull,push`)
 *   comes from the realm, fetched with the credentials when there are some (anonymous
 *   otherwise), and is reused for those scopes until it expires. A 401 despite a token drops
 *   it, so the next try fetches a fresh one.
 *
 * Without a challenge, nothing is sent: an open registry never sees the credentials.
 */
import {BerthError} from '../engine/errors.js';
import type {Credentials} from './credentials.js';
import {responseError} from './errors.js';
import type {Answer, Transport} from './transport.js';

export type Challenge = {scheme: string; params: Record<string, string>};

/** The first challenge of a WWW-Authenticate header; its scheme lowercased. */
export const parseChallenge = (header: string | undefined): Challenge | undefined => {
	const match = /^\s*([\w-]+)\s*(.*)$/s.exec(header ?? '');
	if (!match) {
		return undefined;
	}

	const params: Record<string, string> = {};
	for (const [, key, quoted, bare] of match[2]!.matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
		params[key!.toLowerCase()] = quoted === undefined ? bare! : quoted.replaceAll(/\\(.)/g, '$1');
	}

	return {scheme: match[1]!.toLowerCase(), params};
};

type Token = {value: string; expires: number};

/** A token for one set of scopes: fetched, or being fetched (its expiry not known yet). */
type CachedToken = {fetched: Promise<Token>; value?: string; expires?: number};

const scopeKey = (scopes: readonly string[]): string => [...scopes].sort().join(' ');

type TokenAnswer = {token?: string; access_token?: string; expires_in?: number};

/** Tokens live 60 s unless the server says otherwise (distribution's token spec). */
const defaultLifetime = 60;

export class Authorizer {
	private basic = false;
	private bearer?: {realm: string; service?: string};
	private readonly tokens = new Map<string, CachedToken>();

	constructor(private readonly transport: Transport, private readonly credentials?: Credentials) {}

	/** The Authorization header for a request needing `scopes`, or none while no challenge came. */
	async header(scopes: readonly string[]): Promise<string | undefined> {
		if (this.basic && this.credentials) {
			return `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`;
		}

		if (!this.bearer) {
			return undefined;
		}

		const key = scopeKey(scopes);
		let token = this.tokens.get(key);
		if (!token || (token.expires !== undefined && Date.now() >= token.expires)) {
			// Shared while it is being fetched: the blobs of a push ask for it at once.
			token = {fetched: this.fetchToken(scopes)};
			this.tokens.set(key, token);
			const current = token;
			current.fetched.then(({value, expires}) => {
				current.value = value;
				current.expires = expires;
			}, () => {
				this.tokens.delete(key);
			});
		}

		return `Bearer ${(await token.fetched).value}`;
	}

	/**
	 * Learns from a 401 answer to a request sent with `sent` as its Authorization; true when
	 * another try may pass. Requests of a push run at once: a 401 to a stale header must not
	 * drop what another request has fetched meanwhile.
	 */
	unauthorized(response: Answer, scopes: readonly string[], sent: string | undefined): boolean {
		const challenge = parseChallenge(response.header('www-authenticate'));
		if (challenge?.scheme === 'basic') {
			this.basic = true;
			return this.credentials !== undefined && !sent?.startsWith('Basic ');
		}

		if (challenge?.scheme === 'bearer' && challenge.params.realm) {
			this.bearer = {realm: challenge.params.realm, service: challenge.params.service};
			const key = scopeKey(scopes);
			const cached = this.tokens.get(key);
			if (cached?.value !== undefined && sent === `Bearer ${cached.value}`) {
				this.tokens.delete(key);
			}

			return true;
		}

		return false;
	}

	private async fetchToken(scopes: readonly string[]): Promise<Token> {
		const url = new URL(this.bearer!.realm);
		if (this.bearer!.service) {
			url.searchParams.set('service', this.bearer!.service);
		}

		for (const scope of scopes) {
			url.searchParams.append('scope', scope);
		}

		const headers: Record<string, string> = {};
		if (this.credentials) {
			url.searchParams.set('account', this.credentials.username);
			headers.Authorization = `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`;
		}

		const started = Date.now();
		const response = await this.transport.fetch(url.href, {headers});
		const {domain} = this.transport;
		if (response.status === 401 || response.status === 403) {
			response.discard();
			throw new BerthError('REGISTRY_UNAUTHORIZED', this.credentials
				? `the token service of ${domain} refused the credentials of \`${this.credentials.username}\`: run \`berth login ${domain}\` again`
				: `${domain} asks for authentication: run \`berth login ${domain}\``);
		}

		if (!response.ok) {
			throw await responseError(response, {domain, repository: scopes.join(' '), object: 'token'});
		}

		const answer = await response.json<TokenAnswer>();
		const value = answer.token ?? answer.access_token;
		if (!value) {
			throw new BerthError('REGISTRY_UNAUTHORIZED', `the token service of ${domain} answered without a token`);
		}

		// Counted from before the request, so that the token is dropped a little early rather than late.
		return {value, expires: started + ((answer.expires_in ?? defaultLifetime) * 1000)};
	}
}
