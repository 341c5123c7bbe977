import test from 'ava';
import {
	familiar, familiarName, formatReference, normalizeReference, parseReference,
} from '../../source/image/reference.js';

const hex = 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff';
const id = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a';

const full = (input: string) => formatReference(normalizeReference(input));

test('short names normalise as Docker does', t => {
	const table: Array<[string, string]> = [
		['busybox', 'docker.io/library/busybox:latest'],
		['busybox:1.36', 'docker.io/library/busybox:1.36'],
		['user/app:1', 'docker.io/user/app:1'],
		['docker.io/busybox', 'docker.io/library/busybox:latest'],
		['docker.io/library/busybox', 'docker.io/library/busybox:latest'],
		['index.docker.io/busybox', 'docker.io/library/busybox:latest'],
		['index.docker.io/user/app', 'docker.io/user/app:latest'],
		['registry-1.docker.io/library/busybox:1', 'docker.io/library/busybox:1'],
		['localhost/x', 'localhost/x:latest'],
		['localhost:5000/x', 'localhost:5000/x:latest'],
		['localhost:5000/x:tag', 'localhost:5000/x:tag'],
		['127.0.0.1:5000/debian', '127.0.0.1:5000/debian:latest'],
		['example.com/private/moonbase', 'example.com/private/moonbase:latest'],
		['[fc00::1]:5000/docker/docker', '[fc00::1]:5000/docker/docker:latest'],
		['library/foo/bar', 'docker.io/library/foo/bar:latest'],
		['test_com/foo', 'docker.io/test_com/foo:latest'],
		['Foo/bar', 'Foo/bar:latest'],
		['lowercase:Uppercase', 'docker.io/library/lowercase:Uppercase'],
		['docker.io/' + id, `docker.io/library/${id}:latest`],
		[`busybox@sha256:${hex}`, `docker.io/library/busybox@sha256:${hex}`],
		// A digest decides alone: Docker drops the tag that comes with it.
		[`busybox:1.36@sha256:${hex}`, `docker.io/library/busybox@sha256:${hex}`],
	];
	for (const [input, expected] of table) {
		t.is(full(input), expected, input);
	}
});

test('the valid names of Docker\'s normalize tests parse', t => {
	const valid = [
		'docker/docker', 'library/debian', 'debian', 'docker.io/docker/docker', 'docker.io/library/debian',
		'docker.io/debian', 'index.docker.io/docker/docker', 'index.docker.io/library/debian', 'index.docker.io/debian',
		'127.0.0.1:5000/docker/docker', '127.0.0.1:5000/library/debian', '127.0.0.1:5000/debian', '192.168.0.1',
		'192.168.0.1:80', '192.168.0.1:8/debian', '192.168.0.2:25000/debian',
		'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', '[fc00::1]:5000/docker',
		'[fc00::1]:5000/docker/docker', '[fc00:1:2:3:4:5:6:7]:5000/library/debian', `docker.io/${id}`,
		'Docker/docker', 'DOCKER/docker', 'docker-rules/docker', 'docker---rules/docker', 'doc/docker', 'd/docker',
		'jess/t', 'dock__er/docker', 'xn--n3h.com:18080/foo', 'sub-dom1.foo.com/bar/baz/quux:some-long-tag',
		'b.gcr.io/test.example.com/my-app:test.example.com', `[2001:db8::1]:5000/repo:tag@sha256:${hex}`,
		`${'a/'.repeat(127)}a:tag-puts-this-over-max`,
	];
	for (const name of valid) {
		t.notThrows(() => parseReference(name), name);
	}
});

test('the invalid names of Docker\'s normalize tests are refused', t => {
	const invalid = [
		'', 'https://github.com/docker/docker', 'docker/Docker', '-docker', '-docker/docker', '-docker.io/docker/docker',
		'docker///docker', 'docker.io/docker/Docker', 'docker.io/docker///docker', '[fc00::1]', '[fc00::1]:5000',
		'fc00::1:5000/debian', '[fe80::1%eth0]:5000/debian', '[2001:db8:3:4::192.0.2.33]:5000/debian', id,
		'docker-/docker', '-docker-/docker', '____/____', '_docker/_docker', 'dock..er/docker', 'dock_.er/docker',
		'dock-.er/docker', 'docker/', ':justtag', `@sha256:${hex}`, 'repo@sha256:ffffffffffffffffffffffffffffffffff',
		`validname@invaliddigest:${hex}`, 'Uppercase:tag', 'test:5000/Uppercase/lowercase:tag', 'aa/asdf$$^/aa',
		`${'a/'.repeat(128)}a:tag`, `busybox@sha256:${hex.toUpperCase()}`, `busybox:${'t'.repeat(129)}`, 'busybox:-tag',
		`this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_${'x'.repeat(200)}/docker`,
	];
	for (const name of invalid) {
		const error = t.throws(() => parseReference(name), undefined, name);
		t.is((error as {code?: string}).code, 'INVALID_REFERENCE', name);
	}
});

test('errors name the input', t => {
	t.throws(() => parseReference('Foo'), {message: 'invalid reference format: `Foo`: repository name must be lowercase'});
	t.throws(() => parseReference('a b'), {message: 'invalid reference format: `a b`'});
	t.throws(() => parseReference(id), {message: `invalid repository name \`${id}\`: cannot specify 64-byte hexadecimal strings`});
});

test('parts of a parsed reference', t => {
	t.deepEqual(parseReference('localhost:5000/x'), {domain: 'localhost:5000', path: 'x'});
	t.deepEqual(parseReference('test.com:5000'), {domain: 'docker.io', path: 'library/test.com', tag: '5000'});
	t.deepEqual(parseReference(`test:5000/repo:tag@sha256:${hex}`), {
		domain: 'test:5000', path: 'repo', tag: 'tag', digest: `sha256:${hex}`,
	});
	t.deepEqual(normalizeReference('busybox'), {domain: 'docker.io', path: 'library/busybox', tag: 'latest'});
});

test('familiar names as Docker prints them', t => {
	const table: Array<[string, string]> = [
		['busybox', 'busybox'],
		['docker.io/library/busybox:latest', 'busybox:latest'],
		['fooo/bar', 'fooo/bar'],
		['index.docker.io/fooo/bar:1', 'fooo/bar:1'],
		['docker.io/library/ubuntu-12.04-base', 'ubuntu-12.04-base'],
		['library/foo/bar', 'library/foo/bar'],
		['store/foo/bar', 'store/foo/bar'],
		['other/library', 'other/library'],
		['127.0.0.1:8000/private/moonbase', '127.0.0.1:8000/private/moonbase'],
		['localhost:5000/x:tag', 'localhost:5000/x:tag'],
		['FOO/bar', 'FOO/bar'],
		[`busybox:latest@sha256:${hex}`, `busybox:latest@sha256:${hex}`],
	];
	for (const [input, expected] of table) {
		t.is(familiar(input), expected, input);
	}

	t.is(familiar(normalizeReference('busybox')), 'busybox:latest');
	t.is(familiarName(normalizeReference('docker.io/library/busybox:1')), 'busybox');
});
