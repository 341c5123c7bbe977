import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {hostsText, writeHosts} from '../../source/network/hosts.js';

test('a container without an address has its name on 127.0.1.1', t => {
	t.is(hostsText('box'), '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tbox\n');
});

test('its own address carries its names once, peers follow', t => {
	const text = hostsText('web', [{ip: '10.88.0.2', names: ['web', 'web']}], [{ip: '10.88.0.3', names: ['db']}]);
	t.true(text.endsWith('10.88.0.2\tweb\n10.88.0.3\tdb\n'));
});

test('the file is rewritten in place: a bind mount of it keeps seeing it', async t => {
	const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-hosts-')), 'hosts');
	t.teardown(() => fs.rmSync(path.dirname(file), {recursive: true}));
	fs.writeFileSync(file, 'a much longer first version of the file\n');
	const inode = fs.statSync(file).ino;
	await writeHosts(file, 'short\n');
	t.is(fs.readFileSync(file, 'utf8'), 'short\n');
	t.is(fs.statSync(file).ino, inode);
	await writeHosts(path.join(path.dirname(file), 'gone'), 'x');
	t.false(fs.existsSync(path.join(path.dirname(file), 'gone')));
});
