import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {TarCheck} from '../../source/image/tar-check.js';

/** A ustar header; `size` is octal text, or raw bytes for base-256. */
const header = (name: string, type: string, size: number | Buffer): Buffer => {
	const block = Buffer.alloc(512);
	block.write(name, 0);
	block.write('0000644\0', 100);
	if (typeof size === 'number') {
		block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
	} else {
		size.copy(block, 124);
	}

	block.write(type, 156);
	block.write('ustar\0' + '00', 257);
	block.fill(0x20, 148, 156);
	let sum = 0;
	for (const byte of block) {
		sum += byte;
	}

	block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
	return block;
};

const body = (length: number, fill = 0x61) => Buffer.alloc(Math.ceil(length / 512) * 512, 0).fill(fill, 0, length);
const end = Buffer.alloc(1024);

const paxRecord = (key: string, value: string) => {
	const text = ` ${key}=${value}\n`;
	let length = text.length + 1;
	length = `${length}${text}`.length;
	return `${length}${text}`;
};

/** Feeds `data` in chunks of `size` bytes and reports the error, if any. */
const check = (data: Buffer, size = 7): string | undefined => {
	const tar = new TarCheck();
	try {
		for (let at = 0; at < data.length; at += size) {
			tar.write(data.subarray(at, at + size));
		}

		tar.end();
		return undefined;
	} catch (error) {
		return (error as Error).message;
	}
};

const gnuTar = (t: ExecutionContext, format: string): Buffer => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tar-'));
	t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}));
	const deep = path.join(dir, 'root', 'a'.repeat(90), 'b'.repeat(90));
	fs.mkdirSync(deep, {recursive: true});
	fs.writeFileSync(path.join(deep, `${'c'.repeat(120)}-é`), 'x'.repeat(1000));
	fs.symlinkSync('d'.repeat(150), path.join(dir, 'root', 'link'));
	fs.linkSync(path.join(deep, `${'c'.repeat(120)}-é`), path.join(dir, 'root', 'hard'));
	execFileSync('tar', [`--format=${format}`, '-C', path.join(dir, 'root'), '-cf', path.join(dir, 'out.tar'), '.']);
	return fs.readFileSync(path.join(dir, 'out.tar'));
};

test('archives GNU tar writes pass', t => {
	// Long names, links and non-ASCII: GNU long-name entries in one, PAX headers in the other.
	for (const format of ['gnu', 'pax']) {
		const tar = gnuTar(t, format);
		t.is(check(tar), undefined, format);
		t.is(check(tar, 512), undefined, format);
		t.is(check(tar, tar.length), undefined, format);
	}
});

test('the end may come at the zero blocks or between entries, not inside one', t => {
	const file = Buffer.concat([header('f', '0', 600), body(600)]);
	t.is(check(Buffer.concat([file, end, Buffer.from('trailing bytes are never read')])), undefined);
	t.is(check(file), undefined);
	t.is(check(Buffer.concat([file, Buffer.alloc(512)])), undefined);
	t.is(check(file.subarray(0, 1000)), 'invalid tar archive: truncated at byte `1000`');
	t.is(check(file.subarray(0, 300)), 'invalid tar archive: truncated at byte `300`');
	t.is(check(Buffer.alloc(0)), 'invalid tar archive: the archive is empty');
	t.is(check(Buffer.concat([Buffer.alloc(512), file])), 'invalid tar archive: data after an end-of-archive block at byte `512`');
});

test('a bad checksum is refused where it is', t => {
	const second = header('g', '0', 0);
	second[0] = 0x68;
	t.is(check(Buffer.concat([header('f', '0', 0), second, end])), 'invalid tar archive: bad header checksum at byte `512`');
	t.is(check(Buffer.from('just text'.repeat(100))), 'invalid tar archive: not a tar header at byte `0`');
});

test('a PAX size record sets the size of the next entry', t => {
	const pax = Buffer.from(paxRecord('size', '1024') + paxRecord('path', 'x'.repeat(200)));
	const entry = Buffer.concat([header('f', '0', 0), body(1024)]);
	t.is(check(Buffer.concat([header('pax', 'x', pax.length), body(pax.length).fill(pax, 0, pax.length), entry, end])), undefined);
	// Without it the body would be read as a header.
	t.regex(check(Buffer.concat([entry, end])) ?? '', /bad header checksum at byte `512`/);
	t.regex(check(Buffer.concat([header('pax', 'x', 7), body(7).fill('garbage', 0, 7), entry, end])) ?? '', /malformed PAX header/);
});

test('sizes in base-256 and header-only types are read as Go reads them', t => {
	const size = Buffer.alloc(12);
	size[0] = 0x80;
	size.writeUInt16BE(600, 10);
	t.is(check(Buffer.concat([header('big', '0', size), body(600), end])), undefined);
	// A symlink's size field says nothing about a body: there is none.
	t.is(check(Buffer.concat([header('link', '2', 4096), header('f', '0', 0), end])), undefined);
	const negative = Buffer.alloc(12, 0xFF);
	t.regex(check(Buffer.concat([header('neg', '0', negative), end])) ?? '', /negative number/);
});
