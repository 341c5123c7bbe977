/**
 * Published ports: `-p` specs into Docker's PortBindings, and the mappings a running container
 * holds shown as `ps`, `port` and `inspect` show them.
 */
import {BerthError} from '../engine/errors.js';
import {parseAddress} from './cidr.js';

export type Protocol = 'tcp' | 'udp';

/** Docker's HostConfig.PortBindings: `80/tcp` -> [{HostIp, HostPort}]; "" means any address, any port. */
export type PortBindings = Record<string, Array<{HostIp: string; HostPort: string}>>;

/** One published port of a running container. `hostIp` "" is every address of the host. */
export type PortMapping = {proto: Protocol; containerPort: number; hostIp: string; hostPort: number};

const parsePort = (text: string, spec: string): number => {
	const port = Number(text);
	if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65_535) {
		throw new BerthError('INVALID_ARGUMENT', `invalid port \`${text}\` in \`${spec}\``);
	}

	return port;
};

/** `80/tcp` -> [80, 'tcp']; a missing protocol is tcp. */
export const parsePortKey = (key: string, spec = key): [number, Protocol] => {
	const [port = '', proto = 'tcp'] = key.split('/');
	if (proto !== 'tcp' && proto !== 'udp') {
		throw new BerthError('INVALID_ARGUMENT', `invalid protocol \`${proto}\` in \`${spec}\`: tcp or udp`);
	}

	return [parsePort(port, spec), proto];
};

/** `[IP:][HOSTPORT:]CTRPORT[/PROTO]`, as `docker run -p` takes it (no ranges). */
export const parsePublish = (spec: string): {key: string; HostIp: string; HostPort: string} => {
	const [ports = '', proto] = spec.split('/');
	const parts = ports.split(':');
	if (parts.length > 3 || ports.includes('-')) {
		throw new BerthError('INVALID_ARGUMENT', `invalid port specification \`${spec}\`: give [IP:][HOSTPORT:]CTRPORT[/tcp|udp]`);
	}

	const [containerPort, protocol] = parsePortKey(`${parts.at(-1)!}${proto === undefined ? '' : `/${proto}`}`, spec);
	const hostPort = parts.length > 1 ? parts.at(-2)! : '';
	const hostIp = parts.length > 2 ? parts[0]! : '';
	if (hostPort !== '') {
		parsePort(hostPort, spec);
	}

	if (hostIp !== '' && parseAddress(hostIp) === undefined) {
		throw new BerthError('INVALID_ARGUMENT', `invalid host address \`${hostIp}\` in \`${spec}\`: give an IPv4 address`);
	}

	return {key: `${containerPort}/${protocol}`, HostIp: hostIp, HostPort: hostPort};
};

export const portBindings = (specs: string[]): PortBindings => {
	const bindings: PortBindings = {};
	for (const spec of specs) {
		const {key, ...binding} = parsePublish(spec);
		(bindings[key] ??= []).push(binding);
	}

	return bindings;
};

const hostAddress = (mapping: PortMapping): string => mapping.hostIp || '0.0.0.0';

/** NetworkSettings.Ports of `docker inspect`. */
export const portsSetting = (mappings: PortMapping[]): PortBindings => {
	const ports: PortBindings = {};
	for (const mapping of mappings) {
		(ports[`${mapping.containerPort}/${mapping.proto}`] ??= []).push({HostIp: hostAddress(mapping), HostPort: String(mapping.hostPort)});
	}

	return ports;
};

/** The PORTS column of `ps`: `0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp`. */
export const portsText = (mappings: PortMapping[]): string => mappings
	.map(mapping => `${hostAddress(mapping)}:${mapping.hostPort}->${mapping.containerPort}/${mapping.proto}`)
	.join(', ');

/** The lines of `docker port`: `80/tcp -> 0.0.0.0:8080`, or only the host side for one port. */
export const portLines = (mappings: PortMapping[], only?: string): string[] => {
	const [port, proto] = only === undefined ? [] : parsePortKey(only);
	return mappings
		.filter(mapping => port === undefined || (mapping.containerPort === port && mapping.proto === proto))
		.map(mapping => `${only === undefined ? `${mapping.containerPort}/${mapping.proto} -> ` : ''}${hostAddress(mapping)}:${mapping.hostPort}`);
};
