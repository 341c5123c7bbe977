/**
 * A real registry for the tests: Debian's docker-registry (distribution 2.8) on a free
 * loopback port, with its own config and storage under a temporary directory; optionally
 * TLS, htpasswd basic auth or token auth. `stop` ends it by its pid and removes its files.
 */
import {execFileSync, spawn} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {berth, type Roots} from './berth.js';
import type {KeyPair} from './certs.js';

export const registryBinary = '/usr/bin/docker-registry';

export type RegistryOptions = {
	tls?: KeyPair;
	/** Users and passwords for htpasswd basic auth. */
	users?: Record<string, string>;
	/** Token auth: where the token server is, and the certificate whose key signs its tokens. */
	token?: {realm: string; service: string; issuer: string; signer: string};
	/** Where its storage goes (the system's temporary directory by default). */
	base?: string;
};

export type TestRegistry = {
	/** host:port, as an image name spells the registry. */
	host: string;
	port: number;
	dir: string;
	pid: number;
	stop: () => void;
};

/** A port that was free a moment ago on 127.0.0.1. */
export const freePort = async (): Promise<number> => new Promise((resolve, reject) => {
	const server = net.createServer();
	server.on('error', reject);
	server.listen(0, '127.0.0.1', () => {
		const {port} = server.address() as net.AddressInfo;
		server.close(() => {
			resolve(port);
		});
	});
});

const htpasswd = (file: string, users: Record<string, string>) => {
	fs.writeFileSync(file, Object.entries(users)
		.map(([user, password]) => execFileSync('htpasswd', ['-Bbn', user, password], {encoding: 'utf8'}).trim())
		.join('\n') + '\n');
};

const config = (dir: string, port: number, options: RegistryOptions): string => {
	const lines = [
		'version: 0.1',
		'log: {level: error, accesslog: {disabled: true}}',
		`storage: {filesystem: {rootdirectory: ${dir}/data}, delete: {enabled: true}, maintenance: {uploadpurging: {enabled: false}}}`,
		`http: {addr: "127.0.0.1:${port}", secret: berth-test${options.tls ? `, tls: {certificate: ${options.tls.cert}, key: ${options.tls.key}}` : ''}}`,
	];
	if (options.users) {
		htpasswd(path.join(dir, 'htpasswd'), options.users);
		lines.push(`auth: {htpasswd: {realm: berth-test, path: ${dir}/htpasswd}}`);
	} else if (options.token) {
		const {realm, service, issuer, signer} = options.token;
		lines.push(`auth: {token: {realm: "${realm}", service: ${service}, issuer: ${issuer}, rootcertbundle: ${signer}}}`);
	}

	return lines.join('\n') + '\n';
};

const sleep = async (ms: number) => new Promise(resolve => {
	setTimeout(resolve, ms);
});

/** Starts a registry and waits until it answers /v2/. */
export const startRegistry = async (options: RegistryOptions = {}): Promise<TestRegistry> => {
	const dir = fs.mkdtempSync(path.join(options.base ?? os.tmpdir(), 'berth-registry-'));
	const port = await freePort();
	fs.writeFileSync(path.join(dir, 'config.yml'), config(dir, port, options));
	const log = fs.openSync(path.join(dir, 'registry.log'), 'w');
	// setpriv execs the registry with a parent-death signal: a test worker killed by a timeout takes it along.
	const child = spawn('setpriv', ['--pdeathsig', 'KILL', registryBinary, 'serve', path.join(dir, 'config.yml')], {stdio: ['ignore', log, log]});
	fs.closeSync(log);
	const pid = child.pid!;
	const stop = () => {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {}

		fs.rmSync(dir, {recursive: true, force: true});
	};

	const scheme = options.tls ? 'https' : 'http';
	for (let tries = 0; tries < 100; tries++) {
		if (child.exitCode !== null) {
			break;
		}

		const up = await new Promise<boolean>(resolve => {
			const socket = net.connect(port, '127.0.0.1', () => {
				socket.destroy();
				resolve(true);
			});
			socket.on('error', () => {
				resolve(false);
			});
		});
		if (up) {
			return {host: `127.0.0.1:${port}`, port, dir, pid, stop};
		}

		await sleep(100);
	}

	const output = fs.readFileSync(path.join(dir, 'registry.log'), 'utf8');
	stop();
	throw new Error(`docker-registry did not start on ${scheme}://127.0.0.1:${port}: ${output}`);
};

/** Gives berth under `roots` credentials, a Docker config and a certs.d of the test's own. */
export const isolateRegistryFiles = (roots: Roots): Roots => {
	const base = path.dirname(roots.root);
	roots.env.BERTH_CONFIG = path.join(base, 'config');
	roots.env.DOCKER_CONFIG = path.join(base, 'docker');
	roots.env.BERTH_CERTS_DIR = path.join(base, 'certs.d');
	return roots;
};

/** What `skopeo inspect` says of an image in a test registry (plain HTTP unless `tls` names a CA dir). */
export const skopeoInspect = (name: string, certDir?: string): {Digest: string; Layers: string[]; Architecture: string; Os: string} =>
	JSON.parse(execFileSync('skopeo', ['inspect', ...certDir ? ['--cert-dir', certDir] : ['--tls-verify=false'], `docker://${name}`], {encoding: 'utf8'}));

/**
 * Tags `image` as `name` (REPOSITORY:TAG on a test registry) in `roots` and pushes it, which
 * records the repository's digest reference; returns that digest.
 */
export const tagAndPush = async (roots: Roots, image: string, name: string): Promise<string> => {
	await berth(roots, ['tag', image, name]);
	const pushed = await berth(roots, ['push', name]);
	const digest = /: digest: (sha256:[a-f\d]{64})/.exec(pushed.stdout)?.[1];
	if (pushed.code !== 0 || digest === undefined) {
		throw new Error(`push of ${name} failed: ${pushed.stderr}`);
	}

	return digest;
};
