/**
 * Networks: the default `bridge`, `host`, `none`, and user networks; and each container's
 * attachment to them. The lifecycle of an attachment:
 *
 *   attach    before the shim starts: lease an address, choose the host ports, record it all
 *             (the journal), then make the namespace, veth, bridge and firewall rules
 *   (runs)    the shim joins the namespace; peers on user networks find it in their hosts files
 *   detach    after the container ends (cleanup), or when a start fails: rules, veth, namespace,
 *             and with the network's last container its bridge; the record goes last
 *   sweep     any command that finds a record whose container is not running and whose maker
 *             is dead (a CLI killed mid-start) detaches it
 *
 * Every step is idempotent and runs under the network lock, so two berth processes never lease
 * one address or one port twice.
 */
import {createHash, randomBytes} from 'node:crypto';
import path from 'node:path';
import {BerthError} from './errors.js';
import type {Engine} from './engine.js';
import type {Container} from '../runtime/container.js';
import {isAlive, processStartTime} from '../runtime/procfs.js';
import {validName} from '../runtime/names.js';
import {formatAddress, formatSubnet, freeAddress, gatewayOf, macOf, overlaps, parseSubnet} from '../network/cidr.js';
import {chooseSubnet, hostSubnets} from '../network/ipam.js';
import {bridgeExists, removeBridge} from '../network/bridge.js';
import {addEndpoint, awaitEndpointGone, removeEndpoint} from '../network/endpoint.js';
import {netnsPath, prepareNetns, removeNetns} from '../network/netns.js';
import {chooseFirewall, type Firewall, type PortRule} from '../network/firewall.js';
import {nftFirewall} from '../network/firewall-nft.js';
import {iptablesFirewall} from '../network/firewall-iptables.js';
import {noFirewall} from '../network/firewall-none.js';
import {checkHostPort, freeHostPort} from '../network/host-ports.js';
import {hostsText, writeHosts} from '../network/hosts.js';
import {parsePortKey, portsSetting, type PortMapping} from '../network/ports.js';
import {networkNames, userBridge, type NetworkNames} from '../network/settings.js';
import {NetworkStore, type Attachment, type Endpoint, type NetworkRecord, type NetworkState} from '../network/store.js';

const defaultName = 'bridge';
const predefined = new Set([defaultName, 'host', 'none']);

/** Whether a NetworkMode puts the container on a bridge (the default or a user network). */
export const isBridged = (mode: string): boolean => mode !== 'none' && mode !== 'host';

const vethName = (id: string, index: number): string => `vb${id.slice(0, 11)}${index}`;

const networkRule = (endpoint: Endpoint) => ({bridge: endpoint.bridge, subnet: endpoint.subnet});

const portRules = (attachment: Attachment): PortRule[] => attachment.ports.map(port => ({
	...port, containerIp: attachment.endpoints[0]!.ip,
}));

const usesBridge = (attachments: Attachment[], bridge: string): boolean =>
	attachments.some(attachment => attachment.endpoints.some(endpoint => endpoint.bridge === bridge));

const ownerAlive = ({owner}: Attachment): boolean => isAlive(owner.pid, owner.startTime);

export class Networks {
	readonly names: NetworkNames;
	private readonly store: NetworkStore;
	private firewallDriver?: Firewall;

	constructor(private readonly engine: Engine, env: NodeJS.ProcessEnv = process.env) {
		this.names = networkNames(env);
		this.store = new NetworkStore(engine.roots.root);
	}

	get firewall(): Firewall {
		this.firewallDriver ??= chooseFirewall({nft: nftFirewall, iptables: iptablesFirewall, none: noFirewall}, this.names, this.names.firewall);
		return this.firewallDriver;
	}

	/** The default network, shaped as a record; its id is stable for a given bridge. */
	private defaultNetwork(): NetworkRecord {
		const subnet = parseSubnet(this.names.subnet);
		return {
			Name: defaultName,
			Id: createHash('sha256').update(`bridge:${this.names.bridge}`).digest('hex'),
			Created: '0001-01-01T00:00:00Z',
			Subnet: formatSubnet(subnet),
			Gateway: formatAddress(gatewayOf(subnet)),
			Bridge: this.names.bridge,
		};
	}

	private bridges(state: NetworkState): NetworkRecord[] {
		return [this.defaultNetwork(), ...state.networks];
	}

	/** A bridge network by name or id prefix. */
	private find(state: NetworkState, reference: string): NetworkRecord {
		const all = this.bridges(state);
		const found = all.find(network => network.Name === reference) ?? all.find(network => /^[a-f\d]+$/.test(reference) && network.Id.startsWith(reference));
		if (!found) {
			throw new BerthError('NO_SUCH_NETWORK', `no such network: \`${reference}\``);
		}

		return found;
	}

	/** Throws unless `mode` is none, host or an existing network; for `create`, before anything is made. */
	async check(mode: string, ports: boolean): Promise<void> {
		if (isBridged(mode)) {
			if (mode.startsWith('container:')) {
				throw new BerthError('NOT_SUPPORTED', `network mode \`${mode}\` is not supported`);
			}

			this.find(await this.store.read(), mode);
			if (ports && !this.firewall.publishes) {
				throw new BerthError('NOT_SUPPORTED', 'publishing ports needs the nft or iptables firewall driver, and this host has neither');
			}
		} else if (mode === 'none' && ports) {
			throw new BerthError('INVALID_ARGUMENT', 'ports cannot be published on network `none`');
		}
	}

	async list(): Promise<Array<NetworkRecord & {Driver: string}>> {
		const state = await this.store.read();
		return [
			...this.bridges(state).map(network => ({...network, Driver: 'bridge'})),
			...['host', 'none'].map(name => ({
				Name: name, Id: createHash('sha256').update(name).digest('hex'), Created: '0001-01-01T00:00:00Z', Subnet: '', Gateway: '', Bridge: '',
				Driver: name === 'host' ? 'host' : 'null',
			})),
		];
	}

	async create(name: string, options: {subnet?: string} = {}): Promise<NetworkRecord> {
		if (!validName(name) || name.startsWith('/')) {
			throw new BerthError('INVALID_ARGUMENT', `invalid network name \`${name}\`: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
		}

		return this.store.withLock(async () => {
			const state = await this.store.read();
			const existing = this.bridges(state);
			if (predefined.has(name) || existing.some(network => network.Name === name)) {
				throw new BerthError('NAME_IN_USE', `network \`${name}\` already exists`);
			}

			const taken = existing.map(network => parseSubnet(network.Subnet));
			const subnet = options.subnet === undefined ? chooseSubnet([...taken, ...hostSubnets()]) : parseSubnet(options.subnet);
			const clash = existing.find(network => overlaps(parseSubnet(network.Subnet), subnet));
			if (clash) {
				throw new BerthError('INVALID_ARGUMENT', `subnet \`${formatSubnet(subnet)}\` overlaps network \`${clash.Name}\` (\`${clash.Subnet}\`)`);
			}

			let n = 1;
			while (existing.some(network => network.Bridge === userBridge(this.names, n)) || bridgeExists(userBridge(this.names, n))) {
				n++;
			}

			const network: NetworkRecord = {
				Name: name,
				Id: randomBytes(32).toString('hex'),
				Created: new Date().toISOString(),
				Subnet: formatSubnet(subnet),
				Gateway: formatAddress(gatewayOf(subnet)),
				Bridge: userBridge(this.names, n),
			};
			await this.store.write({...state, networks: [...state.networks, network]});
			return network;
		});
	}

	async remove(reference: string): Promise<NetworkRecord> {
		await this.sweep();
		return this.store.withLock(async () => {
			const state = await this.store.read();
			const network = predefined.has(reference) ? undefined : this.find(state, reference);
			if (!network || network.Name === defaultName) {
				throw new BerthError('INVALID_ARGUMENT', `\`${reference}\` is a predefined network and cannot be removed`);
			}

			if (usesBridge(state.attachments, network.Bridge)) {
				throw new BerthError('INVALID_STATE', `network \`${network.Name}\` has active endpoints`);
			}

			await this.store.write({...state, networks: state.networks.filter(other => other.Id !== network.Id)});
			return network;
		});
	}

	/** The network as `docker network inspect` shows it. */
	async inspect(reference: string): Promise<Record<string, unknown>> {
		const state = await this.store.read();
		const network = this.find(state, reference);
		const members = state.attachments.flatMap(attachment => attachment.endpoints
			.filter(endpoint => endpoint.bridge === network.Bridge)
			.map(endpoint => [attachment.container, {
				Name: attachment.name, MacAddress: macOf(endpoint.ip), IPv4Address: `${endpoint.ip}/${parseSubnet(endpoint.subnet).prefix}`, IPv6Address: '',
			}]));
		return {
			Name: network.Name,
			Id: network.Id,
			Created: network.Created,
			Scope: 'local',
			Driver: 'bridge',
			EnableIPv6: false,
			IPAM: {Driver: 'default', Options: {}, Config: [{Subnet: network.Subnet, Gateway: network.Gateway}]},
			Internal: false,
			Containers: Object.fromEntries(members),
			Options: {'com.docker.network.bridge.name': network.Bridge},
			Labels: {},
		};
	}

	/**
	 * Makes the network of a container about to start and gives the namespace the shim is to
	 * join; undefined for `none` and `host`, which the shim makes itself.
	 */
	async attach(container: Container): Promise<string | undefined> {
		if (!isBridged(container.HostConfig.NetworkMode)) {
			return undefined;
		}

		return this.store.withLock(async () => {
			const state = await this.store.read();
			// An earlier start of this container that never finished.
			await this.teardown(state, container.Id);
			const network = this.find(state, container.HostConfig.NetworkMode);
			const attachment: Attachment = {
				container: container.Id,
				name: container.Name.replace(/^\//, ''),
				hostname: container.Config.Hostname,
				hostsFile: path.join(this.engine.containerStore.containerDir(container.Id), 'hosts'),
				netns: netnsPath(this.engine.roots.run, container.Id),
				owner: {pid: process.pid, startTime: processStartTime(process.pid) ?? 0},
				endpoints: [],
				ports: await this.publish(container, state.attachments),
			};
			state.attachments.push(attachment);
			await this.join(state, attachment, network);
			return attachment.netns;
		});
	}

	/**
	 * Leases an address on `network` and records it, then makes the endpoint: the namespace and
	 * the published ports with the first, the bridge and its rules for the network's first.
	 */
	private async join(state: NetworkState, attachment: Attachment, network: NetworkRecord): Promise<void> {
		const subnet = parseSubnet(network.Subnet);
		const leased = state.attachments.flatMap(other => other.endpoints).filter(endpoint => endpoint.bridge === network.Bridge);
		const ip = freeAddress(subnet, new Set(leased.map(endpoint => endpoint.ip)));
		if (ip === undefined) {
			throw new BerthError('NETWORK_FAILED', `network \`${network.Name}\` has no free address left in \`${network.Subnet}\``);
		}

		let index = 0;
		while (attachment.endpoints.some(endpoint => endpoint.ifname === `eth${index}`)) {
			index++;
		}

		const endpoint: Endpoint = {
			network: network.Name, bridge: network.Bridge, subnet: network.Subnet, gateway: network.Gateway, ip,
			veth: vethName(attachment.container, index), ifname: `eth${index}`,
		};
		const primary = attachment.endpoints.length === 0;
		attachment.endpoints.push(endpoint);
		await this.store.write(state);
		if (primary) {
			await prepareNetns(attachment.netns);
		}

		await addEndpoint(attachment.netns, {...endpoint, prefix: subnet.prefix, primary});
		await this.firewall.add({networks: leased.length === 0 ? [networkRule(endpoint)] : [], ports: primary ? portRules(attachment) : []});
		await this.updateHosts(state, attachment);
	}

	/** The host side of the container's published ports: chosen when free, refused when taken. */
	private async publish(container: Container, attachments: Attachment[]): Promise<PortMapping[]> {
		const {PortBindings: bindings, PublishAllPorts: all} = container.HostConfig;
		const wanted = {...bindings};
		for (const key of all ? Object.keys(container.Config.ExposedPorts ?? {}) : []) {
			wanted[key] ??= [{HostIp: '', HostPort: ''}];
		}

		if (Object.keys(wanted).length > 0 && !this.firewall.publishes) {
			throw new BerthError('NOT_SUPPORTED', 'publishing ports needs the nft or iptables firewall driver, and this host has neither');
		}

		const mappings: PortMapping[] = [];
		for (const [key, list] of Object.entries(wanted)) {
			const [containerPort, proto] = parsePortKey(key);
			for (const {HostIp: hostIp, HostPort: hostPort} of list) {
				const held = [...attachments.flatMap(attachment => attachment.ports), ...mappings]
					.filter(mapping => mapping.proto === proto && (!mapping.hostIp || !hostIp || mapping.hostIp === hostIp));
				let port = Number(hostPort);
				if (hostPort === '') {
					port = await freeHostPort(proto, hostIp, new Set(held.map(mapping => mapping.hostPort)));
				} else if (held.some(mapping => mapping.hostPort === port)) {
					throw new BerthError('PORT_IN_USE', `host port \`${hostIp ? `${hostIp}:` : ''}${port}/${proto}\` is already published by another container`);
				} else {
					await checkHostPort(proto, hostIp, port);
				}

				mappings.push({proto, containerPort, hostIp, hostPort: port});
			}
		}

		return mappings;
	}

	/** Releases what the container's network holds; nothing when there is nothing. */
	async detach(id: string): Promise<void> {
		await this.store.withLock(async () => {
			await this.teardown(await this.store.read(), id);
		});
	}

	/** Undoes an attachment, in the reverse order of attach; its record goes last. Under the lock. */
	private async teardown(state: NetworkState, id: string): Promise<void> {
		const attachment = state.attachments.find(other => other.container === id);
		if (!attachment) {
			return;
		}

		const others = state.attachments.filter(other => other !== attachment);
		const emptied = attachment.endpoints.filter(endpoint => !usesBridge(others, endpoint.bridge));
		if (others.length === 0) {
			await this.firewall.clear();
		} else {
			await this.firewall.remove({networks: emptied.map(networkRule), ports: portRules(attachment)});
		}

		// The namespace first: its veth pairs go with it (awaitEndpointGone).
		await removeNetns(attachment.netns);
		for (const endpoint of attachment.endpoints) {
			await awaitEndpointGone(endpoint.veth);
		}

		for (const endpoint of emptied) {
			await removeBridge(endpoint.bridge);
		}

		state.attachments = others;
		await this.store.write(state);
		await this.updateHosts(state, attachment);
	}

	/**
	 * Detaches the attachments left by processes that died before their container ran, or whose
	 * container has ended or gone. `known` are containers whose state was just brought up to date.
	 */
	async sweep(known: Container[] = []): Promise<void> {
		await this.store.sweep();
		const candidates = (await this.store.read()).attachments.filter(attachment => !ownerAlive(attachment));
		const stale: Attachment[] = [];
		for (const attachment of candidates) {
			// get() brings the state up to date: a container whose shim died is cleaned up (and detached) here.
			const container = known.find(other => other.Id === attachment.container) ?? await this.engine.containers.get(attachment.container).catch((error: unknown) => {
				if (error instanceof BerthError && error.code === 'NO_SUCH_CONTAINER') {
					return undefined;
				}

				throw error;
			});
			if (!container || !['running', 'paused'].includes(container.State.Status)) {
				stale.push(attachment);
			}
		}

		if (stale.length > 0) {
			await this.store.withLock(async () => {
				const state = await this.store.read();
				for (const attachment of stale) {
					// Unless a new start has taken it over meanwhile.
					const current = state.attachments.find(other => other.container === attachment.container);
					if (current && current.owner.pid === attachment.owner.pid && current.owner.startTime === attachment.owner.startTime) {
						await this.teardown(state, attachment.container);
					}
				}
			});
		}
	}

	/** Runs `change` under the lock on a running container's attachment and a network. */
	private async change(networkReference: string, containerReference: string, change: (state: NetworkState, attachment: Attachment, network: NetworkRecord) => Promise<void>): Promise<void> {
		const container = await this.engine.containers.get(containerReference);
		await this.store.withLock(async () => {
			const state = await this.store.read();
			const network = this.find(state, networkReference);
			const attachment = state.attachments.find(other => other.container === container.Id);
			if (!attachment || !['running', 'paused'].includes(container.State.Status)) {
				throw new BerthError('INVALID_STATE', `container \`${containerReference}\` is not running on a bridge network`);
			}

			await change(state, attachment, network);
		});
	}

	/** Adds a running container to one more network (eth1, eth2...). */
	async connect(networkReference: string, containerReference: string): Promise<void> {
		await this.change(networkReference, containerReference, async (state, attachment, network) => {
			if (attachment.endpoints.some(endpoint => endpoint.bridge === network.Bridge)) {
				throw new BerthError('INVALID_STATE', `container \`${containerReference}\` is already on network \`${network.Name}\``);
			}

			await this.join(state, attachment, network);
		});
	}

	/** Takes a running container off a network it was connected to (not the one it started on). */
	async disconnect(networkReference: string, containerReference: string): Promise<void> {
		await this.change(networkReference, containerReference, async (state, attachment, network) => {
			const endpoint = attachment.endpoints.find(other => other.bridge === network.Bridge);
			if (!endpoint) {
				throw new BerthError('INVALID_STATE', `container \`${containerReference}\` is not on network \`${network.Name}\``);
			}

			if (endpoint === attachment.endpoints[0]) {
				throw new BerthError('NOT_SUPPORTED', `container \`${containerReference}\` started on network \`${network.Name}\` and cannot leave it while it runs`);
			}

			await removeEndpoint(endpoint.veth);
			if (!usesBridge(state.attachments.filter(other => other !== attachment), endpoint.bridge)) {
				await this.firewall.remove({networks: [networkRule(endpoint)]});
				await removeBridge(endpoint.bridge);
			}

			attachment.endpoints = attachment.endpoints.filter(other => other !== endpoint);
			await this.store.write(state);
			await this.updateHosts(state, attachment, [endpoint]);
		});
	}

	/** The container's own address under its names, then its peers on the user networks it shares with them. */
	private hostsOf(state: NetworkState, attachment: Attachment): string {
		const primary = attachment.endpoints[0];
		const mine = new Set(attachment.endpoints.filter(endpoint => endpoint.network !== defaultName).map(endpoint => endpoint.bridge));
		const peers = state.attachments.filter(other => other !== attachment).flatMap(other => other.endpoints
			.filter(endpoint => mine.has(endpoint.bridge))
			.map(endpoint => ({ip: endpoint.ip, names: [other.name]})));
		return hostsText(attachment.hostname, primary ? [{ip: primary.ip, names: [attachment.hostname, attachment.name]}] : [], peers);
	}

	/**
	 * Rewrites the hosts file of `changed` (while it is attached) and of every container sharing a
	 * user network with the endpoints it gained or lost.
	 */
	private async updateHosts(state: NetworkState, changed: Attachment, endpoints = changed.endpoints): Promise<void> {
		const bridges = new Set(endpoints.filter(endpoint => endpoint.network !== defaultName).map(endpoint => endpoint.bridge));
		for (const attachment of state.attachments) {
			if (attachment.container === changed.container || attachment.endpoints.some(endpoint => bridges.has(endpoint.bridge))) {
				await writeHosts(attachment.hostsFile, this.hostsOf(state, attachment));
			}
		}
	}

	/** The published ports of every container that has a network now, by container id. */
	async published(): Promise<Map<string, PortMapping[]>> {
		const state = await this.store.read();
		return new Map(state.attachments.map(attachment => [attachment.container, attachment.ports]));
	}

	/** NetworkSettings of `docker inspect`: what the container has now (nothing once it has stopped). */
	async settings(container: Container): Promise<Record<string, unknown>> {
		const mode = container.HostConfig.NetworkMode;
		const running = ['running', 'paused'].includes(container.State.Status);
		const attachment = running ? (await this.store.read()).attachments.find(other => other.container === container.Id) : undefined;
		const endpoints = attachment?.endpoints ?? [];
		const networks = Object.fromEntries(endpoints.length > 0
			? endpoints.map(endpoint => [endpoint.network, {
				IPAddress: endpoint.ip, IPPrefixLen: parseSubnet(endpoint.subnet).prefix, Gateway: endpoint.gateway, MacAddress: macOf(endpoint.ip),
			}])
			: [[mode, {IPAddress: '', IPPrefixLen: 0, Gateway: '', MacAddress: ''}]]);
		const primary = Object.values(networks)[0]!;
		return {
			SandboxKey: attachment?.netns ?? '',
			Ports: portsSetting(attachment?.ports ?? []),
			...primary,
			Networks: networks,
		};
	}
}
