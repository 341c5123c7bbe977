/**
 * A token server of the tests' own, as Docker Hub's auth service is to its registry: GET
 * /token?service=S&scope=repository:NAME:ACTIONS with optional basic auth answers a JWT,
 * signed RS256 by a key whose certificate the registry trusts (auth.token.rootcertbundle).
 * Anonymous users may pull; each user may push to repositories under their own name and
 * pull everything. It counts the tokens it gives, so tests can see tokens being reused, and
 * can claim a longer life than the token has, so tests can see a client refresh on a 401.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import type {KeyPair} from './certs.js';

export type TokenServer = {
	realm: string;
	service: string;
	issuer: string;
	/** Tokens given so far, with the scopes asked for each. */
	issued: string[][];
	/** Seconds a token is valid. */
	lifetime: number;
	/** Seconds the answer claims it lives (expires_in); `lifetime` when unset. */
	claimed?: number;
	close: () => Promise<void>;
};

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

const granted = (user: string | undefined, scope: string): {type: string; name: string; actions: string[]} | undefined => {
	const [type, name, actions] = scope.split(':') as [string, string, string];
	if (type !== 'repository' || !name) {
		return undefined;
	}

	const allowed = actions.split(',').filter(action => action === 'pull' || (action === 'push' && user !== undefined && name.startsWith(`${user}/`)));
	return {type, name, actions: allowed};
};

export const startTokenServer = async (signer: KeyPair, users: Record<string, string>, lifetime = 300): Promise<TokenServer> => {
	const key = crypto.createPrivateKey(fs.readFileSync(signer.key));
	const certificate = new crypto.X509Certificate(fs.readFileSync(signer.cert));
	const x5c = [certificate.raw.toString('base64')];
	const state: {issued: string[][]; lifetime: number; claimed?: number} = {issued: [], lifetime};
	const service = 'berth-test-registry';
	const issuer = 'berth-test-issuer';
	const server = http.createServer((request, response) => {
		const url = new URL(request.url!, 'http://localhost');
		const [scheme, encoded] = (request.headers.authorization ?? '').split(' ');
		let user: string | undefined;
		if (scheme === 'Basic') {
			const [name, password] = Buffer.from(encoded ?? '', 'base64').toString('utf8').split(/:(.*)/s) as [string, string];
			if (users[name] !== password) {
				response.writeHead(401, {'Content-Type': 'application/json'}).end('{"details":"incorrect username or password"}');
				return;
			}

			user = name;
		}

		const scopes = url.searchParams.getAll('scope');
		state.issued.push(scopes);
		const now = Math.floor(Date.now() / 1000);
		const header = {alg: 'RS256', typ: 'JWT', x5c};
		const claims = {
			iss: issuer,
			sub: user ?? '',
			aud: url.searchParams.get('service'),
			exp: now + state.lifetime,
			nbf: now - 10,
			iat: now,
			jti: crypto.randomUUID(),
			access: scopes.map(scope => granted(user, scope)).filter(Boolean),
		};
		const payload = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
		const signature = crypto.sign('sha256', Buffer.from(payload), key);
		const token = `${payload}.${base64url(signature)}`;
		response.writeHead(200, {'Content-Type': 'application/json'})
			.end(JSON.stringify({token, access_token: token, expires_in: state.claimed ?? state.lifetime, issued_at: new Date().toISOString()}));
	});
	await new Promise<void>(resolve => {
		server.listen(0, '127.0.0.1', resolve);
	});
	const {port} = server.address() as AddressInfo;
	return {
		realm: `http://127.0.0.1:${port}/token`,
		service,
		issuer,
		get issued() {
			return state.issued;
		},
		get lifetime() {
			return state.lifetime;
		},
		set lifetime(seconds: number) {
			state.lifetime = seconds;
		},
		get claimed() {
			return state.claimed;
		},
		set claimed(seconds: number | undefined) {
			state.claimed = seconds;
		},
		close: async () => new Promise(resolve => {
			server.closeAllConnections();
			server.close(() => {
				resolve();
			});
		}),
	};
};
