/**
 * A container's /etc/hosts. It is bind-mounted into the container as a file, so it is
 * rewritten in place: a renamed-over file would leave the container looking at the old inode.
 */
import fsp from 'node:fs/promises';

export type HostEntry = {ip: string; names: string[]};

/**
 * localhost, the container's own addresses under its host name (127.0.1.1 when it has none),
 * then its peers on user networks under their container names.
 */
export const hostsText = (hostname: string, own: HostEntry[] = [], peers: HostEntry[] = []): string => [
	'127.0.0.1\tlocalhost',
	'::1\tlocalhost ip6-localhost ip6-loopback',
	...(own.length > 0 ? own : [{ip: '127.0.1.1', names: [hostname]}]).map(entry => `${entry.ip}\t${[...new Set(entry.names)].join(' ')}`),
	...peers.map(entry => `${entry.ip}\t${entry.names.join(' ')}`),
	'',
].join('\n');

export const writeHosts = async (file: string, text: string): Promise<void> => {
	const handle = await fsp.open(file, 'r+').catch(() => undefined);
	if (!handle) {
		// The container was removed meanwhile.
		return;
	}

	try {
		await handle.truncate(0);
		await handle.write(text, 0);
	} finally {
		await handle.close();
	}
};
