/**
 * Registry credentials: berth's own file, auth.json under $BERTH_CONFIG (default
 * ~/.config/berth), written by `berth login` with mode 0600, and Docker's config.json under
 * $DOCKER_CONFIG (default ~/.docker), read only. Both use Docker's layout,
 * `{"auths": {"HOST": {"auth": base64("user:password")}}}`; berth's own entry wins.
 * Docker's credential helpers (credsStore, credHelpers) are not run.
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {readJsonOr, writeJsonAtomic} from '../storage/atomic.js';

export type Credentials = {username: string; password: string};

type AuthEntry = {auth?: string; username?: string; password?: string};
type AuthFile = {auths?: Record<string, AuthEntry>; [key: string]: unknown};

/** A key of `auths` as the domain berth uses: `https://index.docker.io/v1/` is docker.io. */
export const authKeyDomain = (key: string): string => {
	const host = key.replace(/^[a-z]+:\/\//, '').split('/')[0]!;
	return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
};

const decode = (entry: AuthEntry): Credentials | undefined => {
	if (entry.username && entry.password) {
		return {username: entry.username, password: entry.password};
	}

	if (!entry.auth) {
		return undefined;
	}

	const text = Buffer.from(entry.auth, 'base64').toString('utf8');
	const colon = text.indexOf(':');
	return colon > 0 ? {username: text.slice(0, colon), password: text.slice(colon + 1)} : undefined;
};

const find = (file: AuthFile, domain: string): [string, AuthEntry] | undefined =>
	Object.entries(file.auths ?? {}).find(([key]) => authKeyDomain(key) === domain);

export class CredentialStore {
	/** berth's own auth.json. */
	readonly file: string;
	/** Docker's config.json. */
	readonly dockerFile: string;

	constructor(env: NodeJS.ProcessEnv = process.env) {
		this.file = path.join(env.BERTH_CONFIG ?? path.join(os.homedir(), '.config', 'berth'), 'auth.json');
		this.dockerFile = path.join(env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'config.json');
	}

	async get(domain: string): Promise<Credentials | undefined> {
		for (const file of [this.file, this.dockerFile]) {
			const entry = find(await readJsonOr<AuthFile>(file, {}), domain);
			const credentials = entry && decode(entry[1]);
			if (credentials) {
				return credentials;
			}
		}

		return undefined;
	}

	async save(domain: string, credentials: Credentials): Promise<void> {
		const {file, auths} = await this.without(domain);
		auths[domain] = {auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')};
		await fsp.mkdir(path.dirname(this.file), {recursive: true, mode: 0o700});
		await writeJsonAtomic(this.file, {...file, auths}, 0o600);
	}

	/** Forgets the domain's credentials in berth's file; false when there were none. */
	async remove(domain: string): Promise<boolean> {
		const {file, auths} = await this.without(domain);
		if (Object.keys(auths).length === Object.keys(file.auths ?? {}).length) {
			return false;
		}

		await writeJsonAtomic(this.file, {...file, auths}, 0o600);
		return true;
	}

	/** berth's file, and its entries other than the domain's. */
	private async without(domain: string): Promise<{file: AuthFile; auths: Record<string, AuthEntry>}> {
		const file = await readJsonOr<AuthFile>(this.file, {});
		const auths = Object.fromEntries(Object.entries(file.auths ?? {}).filter(([key]) => authKeyDomain(key) !== domain));
		return {file, auths};
	}
}
