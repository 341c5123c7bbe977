/**
 * One container endpoint: a veth pair with the container's end (eth0, eth1...) inside its
 * network namespace, addressed, and the host's end on the network's bridge. Made by two `ip`
 * batches: one inside the namespace (which creates the pair and hands the peer to the host),
 * one in the host (bridge, then the peer onto it). Deleting the host's end deletes the pair.
 */
import fs from 'node:fs';
import {setTimeout as sleep} from 'node:timers/promises';
import {macOf} from './cidr.js';
import {bridgeLines, enableRouting, type BridgeSpec} from './bridge.js';
import {deleteLink, ipBatch} from './links.js';

export type EndpointSpec = BridgeSpec & {
	/** The host's end. */
	veth: string;
	/** The container's end. */
	ifname: string;
	ip: string;
	/** The first endpoint of a namespace brings up lo and holds the default route. */
	primary: boolean;
};

const containerLines = (endpoint: EndpointSpec): string[] => [
	...endpoint.primary ? ['link set dev lo up'] : [],
	// The host's namespace is this process's: the peer goes there by pid.
	`link add ${endpoint.ifname} address ${macOf(endpoint.ip)} type veth peer name ${endpoint.veth} netns ${process.pid}`,
	`addr add ${endpoint.ip}/${endpoint.prefix} dev ${endpoint.ifname}`,
	`link set dev ${endpoint.ifname} up`,
	...endpoint.primary ? [`route add default via ${endpoint.gateway} dev ${endpoint.ifname}`] : [],
];

/** Sets up the endpoint in the namespace at `netns`, creating the namespace for a primary one. */
export const addEndpoint = async (netns: string, endpoint: EndpointSpec): Promise<void> => {
	await ipBatch(`set up \`${endpoint.ifname}\` of network namespace \`${netns}\``, containerLines(endpoint), {netns, create: endpoint.primary});
	await ipBatch(`attach \`${endpoint.veth}\` to bridge \`${endpoint.bridge}\``, [
		...bridgeLines(endpoint),
		`link set dev ${endpoint.veth} master ${endpoint.bridge} up`,
		// br_netfilter bridges a DNATed frame back out of the port it came in on when a container
		// reaches its own published port: without hairpin the bridge drops it.
		`link set dev ${endpoint.veth} type bridge_slave hairpin on`,
	]);
	enableRouting(endpoint.bridge);
};

export const removeEndpoint = async (veth: string): Promise<void> => deleteLink(veth);

/**
 * Once its network namespace is gone, a container's veth pairs go with it in the kernel's own
 * background cleanup, within a few ms, where deleting one waits 15-40 ms in the kernel. A host
 * end still there after 50 ms (a process kept the namespace) is deleted, so that it never
 * stays on the bridge with an address that may be leased again.
 */
export const awaitEndpointGone = async (veth: string): Promise<void> => {
	for (let waited = 0; fs.existsSync(`/sys/class/net/${veth}`); waited++) {
		if (waited === 50) {
			await removeEndpoint(veth);
			return;
		}

		await sleep(1);
	}
};
