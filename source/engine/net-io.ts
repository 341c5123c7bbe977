/**
 * A running container's network traffic, as `docker stats` shows it: bytes received and sent
 * on every interface of its network namespace but loopback, read from its pid 1's
 * /proc/PID/net/dev (which shows the namespace the process is in).
 */
import fsp from 'node:fs/promises';
import type {Container} from '../runtime/container.js';

export type NetIo = {rxBytes: number; txBytes: number};

/** Parses /proc/net/dev; loopback is left out. */
export const parseNetDev = (text: string): NetIo => {
	let rxBytes = 0;
	let txBytes = 0;
	for (const line of text.split('\n').slice(2)) {
		const match = /^\s*([^:]+):\s*(.*)$/.exec(line);
		if (!match || match[1] === 'lo') {
			continue;
		}

		const fields = match[2]!.trim().split(/\s+/).map(Number);
		rxBytes += fields[0] ?? 0;
		txBytes += fields[8] ?? 0;
	}

	return {rxBytes, txBytes};
};

/** Undefined when the container is not running (or ended while being read). */
export const containerNetIo = async (container: Container, procRoot = '/proc'): Promise<NetIo | undefined> => {
	if (!container.State.Running || container.State.Pid <= 0) {
		return undefined;
	}

	try {
		return parseNetDev(await fsp.readFile(`${procRoot}/${container.State.Pid}/net/dev`, 'utf8'));
	} catch {
		return undefined;
	}
};
