/**
 * Container networks: the default bridge, none, host, user networks with names, outbound NAT,
 * network commands; and that a container's network is released however it ends, so that once
 * the containers are gone nothing of the store's networks is left on the host.
 */
import {execFileSync, spawn} from 'node:child_process';
import {randomInt} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {berth, cli, destroyRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';
import {curl, httpdScript, linksNamed, networkLeftovers, vethsOf} from '../helpers/network.js';

let roots: Roots;
test.before(() => {
	roots = rootsWithImage();
});
test.after.always(() => {
	destroyRoots(roots);
});

const sleep = async (ms: number) => new Promise(resolve => {
	setTimeout(resolve, ms);
});

const run = async (flags: string[], script: string) => berth(roots, ['run', '--rm', ...flags, testImage, 'sh', '-c', script]);

const detached = async (flags: string[], script: string): Promise<string> => {
	const result = await berth(roots, ['run', '-d', ...flags, testImage, 'sh', '-c', script]);
	if (result.code !== 0) {
		throw new Error(result.stderr);
	}

	return result.stdout.trim();
};

const inspect = async (reference: string, format: string) => (await berth(roots, ['inspect', '--format', format, reference])).stdout.trim();

const sh = (...argv: string[]) => execFileSync(argv[0]!, argv.slice(1), {encoding: 'utf8'});

/** A random /24 of the test's own, outside the defaults. */
const subnet = () => `10.${randomInt(200, 250)}.${randomInt(0, 256)}.0/24`;

test.serial('a container on the default bridge has an address of the subnet, a default route and its names in /etc/hosts', async t => {
	const result = await run(['--name', 'plain', '-h', 'box'], 'ip -o -4 addr show eth0; ip route; cat /etc/hosts');
	t.is(result.code, 0, result.stderr);
	const prefix = roots.env.BERTH_SUBNET!.split('.').slice(0, 3).join('.');
	const address = new RegExp(`inet (${prefix.replaceAll('.', '\\.')}\\.\\d+)/24`).exec(result.stdout)?.[1];
	t.truthy(address, result.stdout);
	t.regex(result.stdout, new RegExp(`default via ${prefix.replaceAll('.', '\\.')}\\.1 dev eth0`));
	t.regex(result.stdout, new RegExp(`\\n${address!.replaceAll('.', '\\.')}\\tbox plain\\n`));
});

test.serial('--network none has only lo, --network host is the host\'s namespace', async t => {
	t.is((await run(['--network', 'none'], 'ls /sys/class/net')).stdout, 'lo\n');
	const host = await run(['--network', 'host'], 'readlink /proc/self/ns/net');
	t.is(host.stdout.trim(), fs.readlinkSync('/proc/self/ns/net'));
	t.deepEqual(networkLeftovers(roots).bridges, []);
});

test.serial('two containers on the default bridge talk by address', async t => {
	const id = await detached(['--name', 'by-ip'], httpdScript('by address'));
	t.teardown(async () => berth(roots, ['rm', '-f', id]));
	const address = await inspect(id, '{{.NetworkSettings.IPAddress}}');
	t.regex(address, /^10\.\d+\.\d+\.\d+$/);
	const result = await run([], `for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O- http://${address}/ && break; sleep 0.3; done`);
	t.is(result.stdout, 'by address\n', result.stderr);
});

test.serial('containers started at once lease distinct addresses', async t => {
	const ids = await Promise.all(Array.from({length: 6}, async () => detached([], 'sleep 100')));
	t.teardown(async () => berth(roots, ['rm', '-f', ...ids]));
	const addresses = await Promise.all(ids.map(async id => inspect(id, '{{.NetworkSettings.IPAddress}}')));
	t.is(new Set(addresses).size, 6, addresses.join(' '));
	const seen = await berth(roots, ['exec', ids[0]!, 'sh', '-c', addresses.slice(1).map(address => `ping -c 1 -W 2 ${address} >/dev/null && echo ok`).join('; ')]);
	t.is(seen.stdout, 'ok\n'.repeat(5), seen.stderr);
});

test.serial('what leaves the host leaves with the host\'s address (masquerade)', async t => {
	// An "outside" of the test's own: a namespace behind a veth, with a server that answers the client's address.
	const dir = fs.mkdtempSync(path.join(path.dirname(roots.root), 'outside-'));
	const netns = path.join(dir, 'ns');
	const link = `bo${roots.env.BERTH_BRIDGE!.slice(2, 8)}`;
	const [a, b] = [randomInt(0, 256), randomInt(0, 64) * 4];
	fs.writeFileSync(netns, '');
	sh('unshare', `--net=${netns}`, 'true');
	t.teardown(() => {
		execFileSync('ip', ['link', 'delete', link], {stdio: 'ignore'});
		execFileSync('umount', [netns]);
		fs.rmSync(dir, {recursive: true, force: true});
	});
	sh('ip', 'link', 'add', link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
	sh('ip', 'addr', 'add', `10.251.${a}.${b + 1}/30`, 'dev', link);
	sh('ip', 'link', 'set', link, 'up');
	sh('nsenter', `--net=${netns}`, 'sh', '-c', `ip addr add 10.251.${a}.${b + 2}/30 dev eth0 && ip link set eth0 up`);
	const server = spawn('nsenter', [`--net=${netns}`, process.execPath, '-e',
		'require("http").createServer((q, s) => s.end(q.socket.remoteAddress)).listen(8000, "0.0.0.0")'], {stdio: 'ignore'});
	t.teardown(() => server.kill('SIGKILL'));
	const result = await run([], `for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O- http://10.251.${a}.${b + 2}:8000/ && break; sleep 0.3; done`);
	t.is(result.stdout, `10.251.${a}.${b + 1}`, result.stderr);
});

test.serial('on a user network containers find each other by name, and hosts files follow members coming and going', async t => {
	t.is((await berth(roots, ['network', 'create', '--subnet', subnet(), 'names'])).code, 0);
	const server = await detached(['--name', 'server', '--network', 'names'], httpdScript('by name'));
	const client = await run(['--network', 'names'], 'for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O- http://server/ && break; sleep 0.3; done');
	t.is(client.stdout, 'by name\n', client.stderr);
	const hosts = async () => (await berth(roots, ['exec', 'server', 'cat', '/etc/hosts'])).stdout;
	const other = await detached(['--name', 'visitor', '--network', 'names'], 'sleep 100');
	t.regex(await hosts(), /\tvisitor\n/);
	await berth(roots, ['rm', '-f', other]);
	t.notRegex(await hosts(), /visitor/);
	// The default bridge resolves no names, as Docker's.
	t.not((await run([], 'wget -q -O- http://server/')).code, 0);
	await berth(roots, ['rm', '-f', server]);
	t.is((await berth(roots, ['network', 'rm', 'names'])).code, 0);
});

test.serial('network connect adds an interface to a running container and disconnect takes it away', async t => {
	await berth(roots, ['network', 'create', '--subnet', subnet(), 'roaming']);
	const id = await detached(['--name', 'roamer'], 'sleep 100');
	const server = await detached(['--name', 'server2', '--network', 'roaming'], httpdScript('connected'));
	t.is((await berth(roots, ['network', 'connect', 'roaming', 'roamer'])).code, 0);
	t.regex((await berth(roots, ['exec', 'roamer', 'ip', '-o', 'addr'])).stdout, /eth1 +inet /);
	const fetched = await berth(roots, ['exec', 'roamer', 'wget', '-q', '-O-', 'http://server2/']);
	t.is(fetched.stdout, 'connected\n', fetched.stderr);
	const members = JSON.parse((await berth(roots, ['network', 'inspect', '--format', '{{json .Containers}}', 'roaming'])).stdout);
	t.deepEqual(Object.values(members).map((member: any) => member.Name).sort(), ['roamer', 'server2']);
	const leave = await berth(roots, ['network', 'disconnect', 'bridge', 'roamer']);
	t.is(leave.code, 125);
	t.regex(leave.stderr, /`roamer`.*`bridge`/);
	t.is((await berth(roots, ['network', 'disconnect', 'roaming', 'roamer'])).code, 0);
	t.notRegex((await berth(roots, ['exec', 'roamer', 'ip', '-o', 'addr'])).stdout, /eth1/);
	t.notRegex((await berth(roots, ['exec', 'server2', 'cat', '/etc/hosts'])).stdout, /roamer/);
	await berth(roots, ['rm', '-f', id, server]);
	await berth(roots, ['network', 'rm', 'roaming']);
});

test.serial('network create, ls, inspect and rm; mistakes are one line naming the value', async t => {
	t.is((await berth(roots, ['network', 'create', '--subnet', subnet(), 'names'])).code, 0);
	const taken = await berth(roots, ['network', 'create', 'names']);
	t.is(taken.code, 125);
	t.is(taken.stderr, 'berth: network `names` already exists\n');
	const overlap = await berth(roots, ['network', 'create', '--subnet', roots.env.BERTH_SUBNET!, 'overlap']);
	t.regex(overlap.stderr, /^berth: subnet `.*` overlaps network `bridge` .*\n$/);
	t.regex((await berth(roots, ['network', 'create', '--subnet', '10.1.2.3/24', 'bad'])).stderr, /`10.1.2.3\/24`/);
	const ls = (await berth(roots, ['network', 'ls', '--format', '{{.Name}} {{.Driver}}'])).stdout;
	t.is(ls, 'bridge bridge\nnames bridge\nhost host\nnone null\n');
	const network = JSON.parse((await berth(roots, ['network', 'inspect', 'names'])).stdout)[0];
	t.is(network.Driver, 'bridge');
	t.is(network.Options['com.docker.network.bridge.name'], `${roots.env.BERTH_BRIDGE!.replace(/\d+$/, '')}1`);
	t.is((await berth(roots, ['run', '--rm', '--network', 'none', '-p', '80', testImage, 'true'])).stderr, 'berth: ports cannot be published on network `none`\n');
	const unknown = await berth(roots, ['run', '--rm', '--network', 'nowhere', testImage, 'true']);
	t.is(unknown.code, 125);
	t.is(unknown.stderr, 'berth: no such network: `nowhere`\n');
	const busy = await detached(['--network', 'names'], 'sleep 100');
	t.regex((await berth(roots, ['network', 'rm', 'names'])).stderr, /`names` has active endpoints/);
	await berth(roots, ['rm', '-f', busy]);
	t.is((await berth(roots, ['network', 'rm', 'names'])).code, 0);
	t.regex((await berth(roots, ['network', 'rm', 'bridge'])).stderr, /predefined/);
	t.regex((await berth(roots, ['network', 'rm', 'names'])).stderr, /no such network: `names`/);
});

test.serial('a killed shim is noticed and its network released', async t => {
	const id = await detached(['-p', '80'], 'sleep 100');
	t.true(vethsOf(id).length > 0);
	const state = JSON.parse(fs.readFileSync(path.join(roots.root, 'containers', id, 'state.json'), 'utf8'));
	process.kill(state.ShimPid, 'SIGKILL');
	await sleep(200);
	t.is((await berth(roots, ['ps', '-a', '--filter', `id=${id}`, '--format', '{{.State}}'])).stdout, 'exited\n');
	t.deepEqual(vethsOf(id), []);
	t.deepEqual(networkLeftovers(roots), {bridges: [], veths: [], table: false, chains: [], mounts: [], attachments: 0});
	await berth(roots, ['rm', id]);
});

test.serial('a CLI killed while it sets up the network leaves nothing once the next command has run', async t => {
	const namespaces = path.join(roots.run, 'netns');
	const child = spawn(cli, ['run', '-d', '--name', 'midway', '-p', '80', testImage, 'sleep', '100'], {env: roots.env, stdio: 'ignore'});
	const closed = new Promise(resolve => {
		child.on('close', resolve);
	});
	// Kill it the moment its namespace appears: the attachment is recorded, the veth and the rules are being made.
	while (!(fs.existsSync(namespaces) && fs.readdirSync(namespaces).length > 0)) {
		await new Promise(resolve => {
			setImmediate(resolve);
		});
	}

	child.kill('SIGKILL');
	await closed;
	await sleep(200);
	t.is((await berth(roots, ['ps', '-a', '--filter', 'name=midway', '--format', '{{.State}}'])).stdout, 'created\n');
	const id = await inspect('midway', '{{.Id}}');
	t.deepEqual(vethsOf(id), []);
	t.deepEqual(networkLeftovers(roots), {bridges: [], veths: [], table: false, chains: [], mounts: [], attachments: 0});
	t.deepEqual(fs.readdirSync(namespaces), []);
	// And it starts cleanly after all.
	t.is((await berth(roots, ['start', 'midway'])).code, 0);
	t.true(vethsOf(id).length > 0);
	await berth(roots, ['rm', '-f', 'midway']);
});

test.serial('once all containers are gone, no veth, lease, rule, namespace or bridge of the store is left', async t => {
	await berth(roots, ['network', 'create', '--subnet', subnet(), 'last']);
	const ids = [
		await detached(['-p', '80'], httpdScript('one')),
		await detached(['--network', 'last'], 'sleep 100'),
		await detached(['--network', 'none'], 'sleep 100'),
	];
	const port = (await berth(roots, ['port', ids[0]!, '80'])).stdout.trim().split(':')[1];
	t.is(await curl(`http://127.0.0.1:${port}/`), 'one\n');
	t.is(networkLeftovers(roots).bridges.length, 2);
	t.is((await berth(roots, ['rm', '-f', ...ids])).code, 0);
	t.deepEqual(networkLeftovers(roots), {bridges: [], veths: [], table: false, chains: [], mounts: [], attachments: 0});
	t.deepEqual(ids.flatMap(id => vethsOf(id)), []);
	t.deepEqual(linksNamed(roots.env.BERTH_BRIDGE!.replace(/\d+$/, '')), []);
	await berth(roots, ['network', 'rm', 'last']);
});
