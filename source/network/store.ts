/**
 * BERTH_ROOT/network/networks.json: the user networks, and every container's attachment (its namespace,
 * endpoints with their leased addresses, published ports). It is the journal of what exists on
 * the host: an attachment is written before anything of it is made and dropped only after all
 * of it is gone, so a crash at any point leaves a record that a later teardown finishes. Every
 * change happens under locks/network.lock.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import {readJsonOr, sweepTemp, tempPath, withLock} from '../storage/atomic.js';
import type {PortMapping} from './ports.js';

/** A network made by `network create`; the default network `bridge` comes from the settings instead. */
export type NetworkRecord = {
	Name: string;
	Id: string;
	Created: string;
	Subnet: string;
	Gateway: string;
	Bridge: string;
};

/** One container interface, with all a teardown needs to know, even after its network is gone. */
export type Endpoint = {
	network: string;
	bridge: string;
	subnet: string;
	gateway: string;
	ip: string;
	/** The veth's host end. */
	veth: string;
	/** The container's end: eth0, eth1... */
	ifname: string;
};

export type Attachment = {
	container: string;
	/** The container's name, without `/`: what its peers on user networks call it. */
	name: string;
	hostname: string;
	hostsFile: string;
	netns: string;
	/** The process that set it up; while it lives, the attachment is not stale even if the container is not running yet. */
	owner: {pid: number; startTime: number};
	endpoints: Endpoint[];
	ports: PortMapping[];
};

export type NetworkState = {
	networks: NetworkRecord[];
	attachments: Attachment[];
};

export class NetworkStore {
	private readonly dir: string;
	private readonly file: string;
	private readonly lock: string;

	constructor(root: string) {
		this.dir = path.join(root, 'network');
		this.file = path.join(this.dir, 'networks.json');
		this.lock = path.join(root, 'locks', 'network.lock');
	}

	async read(): Promise<NetworkState> {
		return readJsonOr<NetworkState>(this.file, {networks: [], attachments: []});
	}

	/**
	 * Temp file + rename, without the fsync of the other stores: two of these per container
	 * start would cost more than the rest of its network, and what the journal records (links,
	 * namespaces, rules) does not outlive a crash of the machine either. A killed writer leaves
	 * the old file or the new one.
	 */
	async write(state: NetworkState): Promise<void> {
		await fsp.mkdir(this.dir, {recursive: true});
		const temp = tempPath(this.file);
		await fsp.writeFile(temp, JSON.stringify(state, null, '\t') + '\n');
		await fsp.rename(temp, this.file);
	}

	/** Removes what killed writers left. */
	async sweep(): Promise<void> {
		await sweepTemp(this.dir);
	}

	async withLock<T>(fn: () => Promise<T>): Promise<T> {
		return withLock(this.lock, fn);
	}
}
