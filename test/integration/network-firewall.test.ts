/**
 * One suite for every firewall driver, against the real kernel, on a table and chains of the
 * test's own: adding and removing are idempotent, and clear leaves nothing of berth behind.
 */
import {execFileSync} from 'node:child_process';
import test from 'ava';
import type {Firewall, Rules} from '../../source/network/firewall.js';
import {nftFirewall} from '../../source/network/firewall-nft.js';
import {iptablesFirewall} from '../../source/network/firewall-iptables.js';
import {noFirewall} from '../../source/network/firewall-none.js';
import {networkEnv} from '../helpers/network.js';

const run = (...argv: string[]): string => {
	try {
		return execFileSync(argv[0]!, argv.slice(1), {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']});
	} catch {
		return '';
	}
};

type Driver = {firewall: Firewall; dump: () => string[]; cleanup: () => void};

const nft = (): Driver => {
	const {BERTH_NFT_TABLE: table} = networkEnv();
	return {
		firewall: nftFirewall({table: table!, chains: ''}),
		dump: () => run('/usr/sbin/nft', 'list', 'table', 'inet', table!).split('\n').map(line => line.trim()).filter(Boolean),
		cleanup: () => run('/usr/sbin/nft', 'delete', 'table', 'inet', table!),
	};
};

const iptables = (): Driver => {
	const {BERTH_IPTABLES_CHAIN: prefix} = networkEnv();
	const dump = () => ['nat', 'filter'].flatMap(table => run('/usr/sbin/iptables', '-w', '-t', table, '-S').split('\n')).filter(line => line.includes(prefix!));
	return {
		firewall: iptablesFirewall({table: '', chains: prefix!}),
		dump,
		cleanup() {
			for (const line of dump().filter(rule => rule.startsWith('-A ') && !rule.startsWith(`-A ${prefix}-`))) {
				run('/usr/sbin/iptables', '-w', '-t', line.includes('FORWARD') ? 'filter' : 'nat', '-D', ...line.slice(3).split(' '));
			}

			for (const [table, chain] of [['nat', 'DNAT'], ['nat', 'POSTROUTING'], ['filter', 'FORWARD']]) {
				run('/usr/sbin/iptables', '-w', '-t', table!, '-F', `${prefix}-${chain}`);
				run('/usr/sbin/iptables', '-w', '-t', table!, '-X', `${prefix}-${chain}`);
			}
		},
	};
};

const network = {bridge: 'btfwtestx0', subnet: '10.249.77.0/24'};
const ports: Rules['ports'] = [
	{proto: 'tcp', hostIp: '', hostPort: 18_080, containerIp: '10.249.77.2', containerPort: 80},
	{proto: 'udp', hostIp: '127.0.0.1', hostPort: 15_353, containerIp: '10.249.77.3', containerPort: 53},
];

for (const [name, make] of [['nft', nft], ['iptables', iptables]] as const) {
	test.serial(`${name}: add twice is add once, remove twice is remove once`, async t => {
		const driver = make();
		t.teardown(driver.cleanup);
		t.is(driver.firewall.name, name);
		t.true(driver.firewall.publishes);
		await driver.firewall.add({networks: [network]});
		await driver.firewall.add({ports});
		const once = driver.dump();
		t.true(once.some(line => line.includes('btfwtestx0')));
		t.true(once.some(line => line.includes('18080')) && once.some(line => line.includes('15353')));
		await driver.firewall.add({networks: [network]});
		await driver.firewall.add({ports});
		t.deepEqual(driver.dump(), once);

		await driver.firewall.remove({ports: ports.slice(0, 1)});
		await driver.firewall.remove({ports: ports.slice(0, 1)});
		const removed = driver.dump();
		t.false(removed.some(line => line.includes('18080')));
		t.true(removed.some(line => line.includes('15353')));

		await driver.firewall.remove({networks: [network], ports});
		await driver.firewall.remove({networks: [network], ports});
		t.false(driver.dump().some(line => /btfwtestx0|15353/.test(line)));
		await driver.firewall.clear();
		await driver.firewall.clear();
		t.deepEqual(driver.dump(), []);
	});

	test.serial(`${name}: clear takes everything, whatever is still in`, async t => {
		const driver = make();
		t.teardown(driver.cleanup);
		await driver.firewall.add({networks: [network], ports});
		await driver.firewall.clear();
		t.deepEqual(driver.dump(), []);
	});
}

test('none: nothing to do, and it says it cannot publish', async t => {
	const firewall = noFirewall();
	await firewall.add({networks: [network], ports});
	await firewall.remove({networks: [network], ports});
	await firewall.clear();
	t.false(firewall.publishes);
	t.is(firewall.name, 'none');
});
