/**
 * A network's bridge: made with the first container that joins the network and deleted with
 * the last, addressed with the gateway and a fixed MAC (a bridge otherwise takes the lowest
 * MAC of its ports, which changes as containers come and go and strands neighbour entries).
 */
import fs from 'node:fs';
import path from 'node:path';
import {BerthError} from '../engine/errors.js';
import {macOf} from './cidr.js';
import {deleteLink} from './links.js';

export type BridgeSpec = {bridge: string; gateway: string; prefix: number};

export const bridgeExists = (bridge: string, sysfs = '/sys/class/net'): boolean => fs.existsSync(path.join(sysfs, bridge));

/** `ip -batch` lines that make the bridge exist, addressed and up; each is harmless to repeat. */
export const bridgeLines = ({bridge, gateway, prefix}: BridgeSpec): string[] => [
	...bridgeExists(bridge) ? [] : [`link add name ${bridge} address ${macOf(gateway)} type bridge`],
	`addr replace ${gateway}/${prefix} dev ${bridge}`,
	`link set dev ${bridge} up`,
];

const writeSysctl = (file: string, value: string): void => {
	try {
		if (fs.readFileSync(file, 'utf8').trim() !== value) {
			fs.writeFileSync(file, value);
		}
	} catch (error) {
		throw new BerthError('NETWORK_FAILED', `cannot set \`${file}\` to ${value}: ${(error as Error).message}`, {cause: error});
	}
};

/**
 * Forwarding on, as every container engine needs it; and route_localnet on this bridge only,
 * so that 127.0.0.1:PORT rewritten to a container may leave through it.
 */
export const enableRouting = (bridge: string, proc = '/proc/sys/net/ipv4'): void => {
	writeSysctl(path.join(proc, 'ip_forward'), '1');
	writeSysctl(path.join(proc, 'conf', bridge, 'route_localnet'), '1');
};

/** Deletes the bridge, unless ports are still on it: another store that shares its name still uses it. */
export const removeBridge = async (bridge: string, sysfs = '/sys/class/net'): Promise<void> => {
	const ports = fs.existsSync(path.join(sysfs, bridge, 'brif')) ? fs.readdirSync(path.join(sysfs, bridge, 'brif')) : [];
	if (ports.length === 0) {
		await deleteLink(bridge);
	}
};
