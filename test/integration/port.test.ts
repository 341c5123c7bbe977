/**
 * Published ports, with each firewall driver: reachable from 127.0.0.1, from the host's own
 * address, from other containers and from the container itself; a port in use refused before
 * the container starts; nothing of them left once the containers are gone.
 */
import {spawn} from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import test from 'ava';
import {berth, busyboxTarball, destroyRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';
import {curl, freePort, hostAddress, httpdScript, networkLeftovers, vethsOf} from '../helpers/network.js';

const exposed = 'exposed:latest';
const drivers = ['nft', 'iptables'] as const;
const stores = new Map<string, Roots>();

test.before(async () => {
	for (const driver of drivers) {
		const roots = rootsWithImage();
		roots.env.BERTH_FIREWALL = driver;
		stores.set(driver, roots);
		await berth(roots, ['import', '--change', 'EXPOSE 80', '--change', 'EXPOSE 53/udp', busyboxTarball(), exposed]);
	}
});
test.after.always(() => {
	for (const roots of stores.values()) {
		destroyRoots(roots);
	}
});

for (const driver of drivers) {
	const serve = async (flags: string[], text: string, image = testImage): Promise<string> => {
		const result = await berth(stores.get(driver)!, ['run', '-d', ...flags, image, 'sh', '-c', httpdScript(text)]);
		if (result.code !== 0) {
			throw new Error(result.stderr);
		}

		return result.stdout.trim();
	};

	const inContainer = async (flags: string[], script: string) => berth(stores.get(driver)!, ['run', '--rm', ...flags, testImage, 'sh', '-c', script]);

	test.serial(`${driver}: a published httpd answers on 127.0.0.1 and on the host's address`, async t => {
		const port = await freePort();
		await serve(['--name', 'web', '-p', `${port}:80`], 'published');
		t.is(await curl(`http://127.0.0.1:${port}/`), 'published\n');
		t.is(await curl(`http://${hostAddress()}:${port}/`), 'published\n');
		t.is((await berth(stores.get(driver)!, ['info', '--format', '{{.FirewallDriver}}'])).stdout, `${driver}\n`);
	});

	test.serial(`${driver}: other containers reach it through the host's address, and so does it itself (hairpin)`, async t => {
		const roots = stores.get(driver)!;
		const port = (await berth(roots, ['port', 'web', '80'])).stdout.trim().split(':')[1];
		const other = await inContainer([], `wget -q -O- http://${hostAddress()}:${port}/`);
		t.is(other.stdout, 'published\n', other.stderr);
		const itself = await berth(roots, ['exec', 'web', 'wget', '-q', '-O-', `http://${hostAddress()}:${port}/`]);
		t.is(itself.stdout, 'published\n', itself.stderr);
	});

	test.serial(`${driver}: -p CONTAINERPORT takes a free host port; port, ps and inspect show it`, async t => {
		const roots = stores.get(driver)!;
		const id = await serve(['-p', '80', '-p', '127.0.0.1::80'], 'chosen');
		const lines = (await berth(roots, ['port', id])).stdout.trim().split('\n');
		t.is(lines.length, 2);
		const [any, local] = lines.map(line => /^80\/tcp -> ([\d.]+):(\d+)$/.exec(line)!);
		t.is(any![1], '0.0.0.0');
		t.is(local![1], '127.0.0.1');
		t.is(await curl(`http://127.0.0.1:${any![2]}/`), 'chosen\n');
		t.is(await curl(`http://127.0.0.1:${local![2]}/`), 'chosen\n');
		const ps = await berth(roots, ['ps', '--filter', `id=${id}`, '--format', '{{.Ports}}']);
		t.is(ps.stdout, `0.0.0.0:${any![2]}->80/tcp, 127.0.0.1:${local![2]}->80/tcp\n`);
		const inspect = JSON.parse((await berth(roots, ['inspect', '--format', '{{json .NetworkSettings.Ports}}', id])).stdout);
		t.deepEqual(inspect, {'80/tcp': [{HostIp: '0.0.0.0', HostPort: any![2]}, {HostIp: '127.0.0.1', HostPort: local![2]}]});
	});

	test.serial(`${driver}: a port published on 127.0.0.1 is not on the host's address`, async t => {
		const id = await serve(['-p', '127.0.0.1::80'], 'local only');
		const port = (await berth(stores.get(driver)!, ['port', id, '80'])).stdout.trim().split(':')[1];
		t.is(await curl(`http://127.0.0.1:${port}/`), 'local only\n');
		t.is(await curl(`http://${hostAddress()}:${port}/`, 1), undefined);
	});

	test.serial(`${driver}: -P publishes every EXPOSEd port, udp too`, async t => {
		const roots = stores.get(driver)!;
		const id = await serve(['-P'], 'exposed', exposed);
		const ports = Object.fromEntries((await berth(roots, ['port', id])).stdout.trim().split('\n')
			.map(line => /^(\S+) -> 0\.0\.0\.0:(\d+)$/.exec(line)!.slice(1)));
		t.deepEqual(Object.keys(ports).sort(), ['53/udp', '80/tcp']);
		t.is(await curl(`http://127.0.0.1:${ports['80/tcp']}/`), 'exposed\n');
		// busybox has no UDP server: an echo server of the test's own joins the container's namespace.
		const netns = (await berth(roots, ['inspect', '--format', '{{.NetworkSettings.SandboxKey}}', id])).stdout.trim();
		const echo = spawn('/usr/bin/nsenter', [`--net=${netns}`, process.execPath, '-e',
			'const s = require("dgram").createSocket("udp4"); s.on("message", (m, r) => s.send(m, r.port, r.address)); s.bind(53);'], {stdio: 'ignore'});
		t.teardown(() => echo.kill('SIGKILL'));
		const socket = dgram.createSocket('udp4');
		t.teardown(() => socket.close());
		const reply = new Promise<string>(resolve => {
			socket.on('message', message => resolve(String(message)));
		});
		const sender = setInterval(() => socket.send('datagram', Number(ports['53/udp']), '127.0.0.1'), 100);
		t.teardown(() => clearInterval(sender));
		t.is(await reply, 'datagram');
	});

	test.serial(`${driver}: a host port in use is refused before the container starts`, async t => {
		const roots = stores.get(driver)!;
		const server = net.createServer();
		await new Promise<void>(resolve => {
			server.listen(0, '0.0.0.0', resolve);
		});
		t.teardown(() => server.close());
		const held = (server.address() as net.AddressInfo).port;
		const taken = await berth(roots, ['run', '-d', '--name', 'clash', '-p', `${held}:80`, testImage, 'sleep', '100']);
		t.is(taken.code, 125);
		t.is(taken.stderr, `berth: host port \`${held}/tcp\` is already in use\n`);
		const webPort = (await berth(roots, ['port', 'web', '80'])).stdout.trim().split(':')[1];
		const published = await berth(roots, ['run', '-d', '--name', 'clash2', '-p', `${webPort}:80`, testImage, 'sleep', '100']);
		t.is(published.code, 125);
		t.regex(published.stderr, new RegExp(`^berth: host port \`${webPort}/tcp\` is already published by another container\n$`));
		for (const name of ['clash', 'clash2']) {
			const state = await berth(roots, ['inspect', '--format', '{{.State.Status}} {{.Id}}', name]);
			const [status, id] = state.stdout.trim().split(' ');
			t.is(status, 'created');
			t.deepEqual(vethsOf(id!), []);
		}
	});

	test.serial(`${driver}: once its containers are gone, no rule, veth, namespace, lease or bridge is left`, async t => {
		const roots = stores.get(driver)!;
		const ids = (await berth(roots, ['ps', '-a', '-q'])).stdout.trim().split('\n');
		t.true(networkLeftovers(roots).bridges.length > 0);
		t.is((await berth(roots, ['rm', '-f', ...ids])).code, 0);
		t.deepEqual(networkLeftovers(roots), {bridges: [], veths: [], table: false, chains: [], mounts: [], attachments: 0});
	});
}
