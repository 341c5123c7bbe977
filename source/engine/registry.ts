/**
 * Registries as the front ends see them: pull, push, login, logout, and the pull that `run`
 * and `create` do first. The distribution client (source/registry/) is loaded with import()
 * on first use, so that a command that never talks to a registry never loads it. Progress
 * comes back through `onProgress` as typed events, for the CLI's lines and the TUI's panels.
 */
import {normalizeReference} from '../image/reference.js';
import type {Pulled} from '../registry/pull.js';
import type {Pushed} from '../registry/push.js';
import type {OnProgress} from '../registry/progress.js';
import {BerthError, isBerthError} from './errors.js';
import type {Engine} from './engine.js';

export type RegistryOptions = {
	/** false: accept a registry's certificate unchecked, or plain HTTP (--tls-verify=false). */
	tlsVerify?: boolean;
	onProgress?: OnProgress;
};

export type PullOptions = RegistryOptions & {
	all?: boolean;
	/** os/arch[/variant]; this host's by default. */
	platform?: string;
};

/** When `run` and `create` pull: an image that is not here, always, or never. */
export type PullPolicy = 'missing' | 'always' | 'never';

export const pullPolicies: readonly PullPolicy[] = ['missing', 'always', 'never'];

export class Registry {
	constructor(private readonly engine: Engine) {}

	async pull(name: string, options: PullOptions = {}): Promise<Pulled[]> {
		const {pull, parsePlatform} = await import('../registry/pull.js');
		const platform = options.platform === undefined ? undefined : parsePlatform(options.platform);
		const {domain} = normalizeReference(name);
		await this.engine.sweep();
		const {imageStore: images, blobs, layerStore: layers} = this.engine;
		const pulled = await pull({images, blobs, layers}, name, {...options, platform, credentials: await this.credentials(domain)});
		for (const image of pulled) {
			await this.engine.events.record('image', 'pull', image.reference);
		}

		return pulled;
	}

	async push(name: string, options: RegistryOptions = {}): Promise<Pushed> {
		const {push} = await import('../registry/push.js');
		const {domain} = normalizeReference(name);
		const chunkSize = Number(process.env.BERTH_PUSH_CHUNK_SIZE) || undefined;
		const pushed = await push({images: this.engine.imageStore, blobs: this.engine.blobs}, name, {
			...options, chunkSize, credentials: await this.credentials(domain),
		});
		await this.engine.events.record('image', 'push', pushed.reference);
		return pushed;
	}

	/**
	 * Checks the credentials against the registry (docker.io when no server is given), then
	 * keeps them in berth's credentials file. Returns the registry's domain.
	 */
	async login(server: string | undefined, credentials: {username: string; password: string}, options: RegistryOptions = {}): Promise<string> {
		const [{authKeyDomain, CredentialStore}, {RegistryClient}] = await Promise.all([import('../registry/credentials.js'), import('../registry/client.js')]);
		const domain = authKeyDomain(server ?? 'docker.io');
		const client = new RegistryClient(domain, '', [], {...options, credentials});
		try {
			await client.ping();
		} catch (error) {
			if (isBerthError(error) && error.code === 'REGISTRY_UNAUTHORIZED') {
				throw new BerthError('REGISTRY_UNAUTHORIZED', `login to ${domain} failed: ${domain} refused the username or password of \`${credentials.username}\``, {cause: error});
			}

			throw error;
		} finally {
			await client.close();
		}

		await new CredentialStore().save(domain, credentials);
		return domain;
	}

	/** Forgets berth's credentials for the server; false when it had none. */
	async logout(server: string | undefined): Promise<{domain: string; removed: boolean}> {
		const {authKeyDomain, CredentialStore} = await import('../registry/credentials.js');
		const domain = authKeyDomain(server ?? 'docker.io');
		return {domain, removed: await new CredentialStore().remove(domain)};
	}

	/** Pulls `name` for a new container as `policy` says; a directory given with --rootfs is never pulled. */
	async prepare(name: string, policy: PullPolicy, options: RegistryOptions = {}): Promise<void> {
		if (policy === 'never') {
			return;
		}

		if (policy === 'missing') {
			try {
				await this.engine.images.get(name);
				return;
			} catch (error) {
				// An image id that is not here cannot be pulled: let create say so.
				if (!isBerthError(error) || error.code !== 'NO_SUCH_IMAGE' || /^sha256:|^[a-f\d]{64}$/.test(name)) {
					return;
				}
			}
		}

		await this.pull(name, options);
	}

	private async credentials(domain: string) {
		const {CredentialStore} = await import('../registry/credentials.js');
		return new CredentialStore().get(domain);
	}
}
