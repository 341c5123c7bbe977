/**
 * Every test store gets its own bridge, subnet, nft table and iptables chains, so tests run in
 * parallel with each other and never touch a user's real berth0; and whatever of them a failing
 * test leaves on the host is found and removed.
 */
import {execFile, execFileSync} from 'node:child_process';
import {randomBytes, randomInt} from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const networkEnv = (): Record<string, string> => {
	const tag = randomBytes(3).toString('hex');
	return {
		// The `x` ends the stem that user networks' bridges number from (btTAGx1, btTAGx2...).
		BERTH_BRIDGE: `bt${tag}x0`,
		BERTH_SUBNET: `10.${randomInt(200, 250)}.${randomInt(0, 256)}.0/24`,
		BERTH_NFT_TABLE: `berth_test_${tag}`,
		BERTH_IPTABLES_CHAIN: `BT${tag.toUpperCase()}`,
	};
};

const run = (argv: string[]): string => {
	try {
		return execFileSync(argv[0]!, argv.slice(1), {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']});
	} catch {
		return '';
	}
};

/** Links whose names start with `prefix`. */
export const linksNamed = (prefix: string): string[] => run(['/usr/sbin/ip', '-o', 'link', 'show']).split('\n')
	.map(line => /^\d+: ([^:@]+)/.exec(line)?.[1] ?? '')
	.filter(name => name.startsWith(prefix));

/** The host end of a container's veths (named after its id). */
export const vethsOf = (id: string): string[] => linksNamed(`vb${id.slice(0, 11)}`);

const stem = (env: NodeJS.ProcessEnv) => env.BERTH_BRIDGE!.replace(/\d+$/, '');

export type NetworkLeftovers = {bridges: string[]; veths: string[]; table: boolean; chains: string[]; mounts: string[]; attachments: number};

/** What the store's network has on the host now: all empty once its last container is gone. */
export const networkLeftovers = (roots: {root: string; run: string; env: NodeJS.ProcessEnv}): NetworkLeftovers => {
	const bridges = linksNamed(stem(roots.env));
	const veths = bridges.flatMap(bridge => run(['/usr/sbin/ip', '-o', 'link', 'show', 'master', bridge]).split('\n'))
		.map(line => /^\d+: ([^:@]+)/.exec(line)?.[1] ?? '').filter(Boolean);
	let attachments: Array<{endpoints: Array<{veth: string}>}> = [];
	try {
		attachments = JSON.parse(fs.readFileSync(path.join(roots.root, 'network', 'networks.json'), 'utf8')).attachments;
	} catch {}

	const chains = ['nat', 'filter'].flatMap(table => run(['/usr/sbin/iptables', '-w', '-t', table, '-S']).split('\n'))
		.filter(line => line.includes(roots.env.BERTH_IPTABLES_CHAIN!));
	const base = path.dirname(roots.root);
	const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
		.map(line => line.split(' ')[4] ?? '').filter(point => point.startsWith(`${base}/`));
	return {
		bridges,
		veths: [...new Set([...veths, ...attachments.flatMap(attachment => attachment.endpoints.flatMap(endpoint => linksNamed(endpoint.veth)))])],
		table: run(['/usr/sbin/nft', 'list', 'tables']).split('\n').includes(`table inet ${roots.env.BERTH_NFT_TABLE}`),
		chains,
		mounts,
		attachments: attachments.length,
	};
};

/** Removes what is left: for teardown, after the store's containers are gone. */
export const removeNetworkLeftovers = (roots: {root: string; run: string; env: NodeJS.ProcessEnv}): void => {
	const left = networkLeftovers(roots);
	for (const mount of left.mounts.reverse()) {
		run(['umount', '-l', mount]);
	}

	for (const link of [...left.veths, ...left.bridges]) {
		run(['/usr/sbin/ip', 'link', 'delete', 'dev', link]);
	}

	if (left.table) {
		run(['/usr/sbin/nft', 'delete', 'table', 'inet', roots.env.BERTH_NFT_TABLE!]);
	}

	const prefix = roots.env.BERTH_IPTABLES_CHAIN!;
	for (const line of left.chains.filter(rule => rule.startsWith('-A ') && !rule.startsWith(`-A ${prefix}-`))) {
		// A jump from a built-in chain: `-A FORWARD -j PREFIX-FORWARD` becomes a -D.
		const table = line.includes('-FORWARD') ? 'filter' : 'nat';
		run(['/usr/sbin/iptables', '-w', '-t', table, '-D', ...line.slice(3).split(' ')]);
	}

	for (const [table, chain] of [['nat', `${prefix}-DNAT`], ['nat', `${prefix}-POSTROUTING`], ['filter', `${prefix}-FORWARD`]] as const) {
		run(['/usr/sbin/iptables', '-w', '-t', table, '-F', chain]);
		run(['/usr/sbin/iptables', '-w', '-t', table, '-X', chain]);
	}
};

/** An IPv4 address of this host that is not loopback nor a bridge of berth's tests. */
export const hostAddress = (): string => {
	const interfaces = Object.entries(os.networkInterfaces()).filter(([name]) => !/^(bt|berth|vb|lo)/.test(name));
	const address = interfaces.flatMap(([, addresses]) => addresses ?? []).find(entry => entry.family === 'IPv4' && !entry.internal);
	if (!address) {
		throw new Error('this host has no IPv4 address besides loopback');
	}

	return address.address;
};

/** A port nothing listens on now. */
export const freePort = async (): Promise<number> => new Promise(resolve => {
	const server = net.createServer().listen(0, '0.0.0.0', () => {
		const {port} = server.address() as net.AddressInfo;
		server.close(() => resolve(port));
	});
});

const sleep = async (ms: number) => new Promise(resolve => {
	setTimeout(resolve, ms);
});

/** GETs `url` with the host's curl, retrying while the server comes up; the body, or undefined. */
export const curl = async (url: string, seconds = 10): Promise<string | undefined> => {
	const deadline = Date.now() + (seconds * 1000);
	for (;;) {
		const body = await new Promise<string | undefined>(resolve => {
			execFile('/usr/bin/curl', ['-sf', '-m', '3', url], {encoding: 'utf8'}, (error, stdout) => resolve(error ? undefined : stdout));
		});
		if (body !== undefined || Date.now() > deadline) {
			return body;
		}

		await sleep(100);
	}
};

/** `sh -c` that serves TEXT on port 80 with busybox httpd, in the foreground. */
export const httpdScript = (text: string): string => `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`;
