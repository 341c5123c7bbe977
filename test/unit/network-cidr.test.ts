import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {formatSubnet, freeAddress, macOf, overlaps, parseSubnet} from '../../source/network/cidr.js';
import {chooseSubnet, hostSubnets} from '../../source/network/ipam.js';

test('subnets parse, print and refuse host bits or odd prefixes by value', t => {
	t.is(formatSubnet(parseSubnet('10.88.0.0/16')), '10.88.0.0/16');
	t.throws(() => parseSubnet('10.88.0.1/16'), {message: /`10.88.0.1\/16`.*host bits/});
	t.throws(() => parseSubnet('10.88.0.0/31'), {message: /`10.88.0.0\/31`/});
	t.throws(() => parseSubnet('10.256.0.0/16'), {message: /`10.256.0.0\/16`/});
	t.throws(() => parseSubnet('fd00::/64'), {code: 'INVALID_ARGUMENT'});
});

test('overlap is containment either way', t => {
	const wide = parseSubnet('10.88.0.0/16');
	t.true(overlaps(wide, parseSubnet('10.88.5.0/24')));
	t.true(overlaps(parseSubnet('10.88.5.0/24'), wide));
	t.false(overlaps(wide, parseSubnet('10.89.0.0/24')));
});

test('leases skip the gateway and the broadcast address and fill gaps first', t => {
	const subnet = parseSubnet('192.168.7.0/29');
	t.is(freeAddress(subnet, new Set()), '192.168.7.2');
	t.is(freeAddress(subnet, new Set(['192.168.7.2', '192.168.7.4'])), '192.168.7.3');
	t.is(freeAddress(subnet, new Set(['192.168.7.2', '192.168.7.3', '192.168.7.4', '192.168.7.5', '192.168.7.6'])), undefined);
});

test('a MAC follows from the address, so a reused address keeps its MAC', t => {
	t.is(macOf('10.88.0.2'), '02:42:0a:58:00:02');
});

test('a new network takes the first /24 of 10.89.0.0/16 clear of networks and host routes', t => {
	t.is(formatSubnet(chooseSubnet([])), '10.89.0.0/24');
	t.is(formatSubnet(chooseSubnet([parseSubnet('10.89.0.0/23'), parseSubnet('10.89.2.0/24')])), '10.89.3.0/24');
	t.throws(() => chooseSubnet([parseSubnet('10.89.0.0/16')]), {message: /--subnet/});
});

test('host routes are read from /proc/net/route, default routes left out', t => {
	const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-route-')), 'route');
	t.teardown(() => fs.rmSync(path.dirname(file), {recursive: true}));
	fs.writeFileSync(file, [
		'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
		'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
		'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
		'br0\t0000590A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
	].join('\n'));
	t.deepEqual(hostSubnets(file).map(formatSubnet), ['192.0.2.0/24', '10.89.0.0/16']);
});
