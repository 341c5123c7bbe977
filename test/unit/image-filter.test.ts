import test from 'ava';
import {labelsMatch, parseImageFilters, referenceMatches} from '../../source/image/filter.js';

test('filters parse as Docker takes them; an unknown key or a bad dangling value is refused by name', t => {
	t.deepEqual(parseImageFilters(['dangling=true', 'reference=a/*', 'reference=b', 'before=x', 'since=y', 'label=k', 'label=k2=v=w']), {
		dangling: true, references: ['a/*', 'b'], before: 'x', since: 'y', labels: [{key: 'k'}, {key: 'k2', value: 'v=w'}],
	});
	t.is(parseImageFilters(['dangling=false']).dangling, false);
	t.throws(() => parseImageFilters(['color=red']), {code: 'INVALID_ARGUMENT', message: /^invalid filter `color=red`/});
	t.throws(() => parseImageFilters(['dangling=maybe']), {code: 'INVALID_ARGUMENT', message: /^invalid filter `dangling=maybe`/});
	t.throws(() => parseImageFilters(['dangling']), {code: 'INVALID_ARGUMENT'});
});

test('a reference pattern is a glob over the familiar name, with or without its tag; * stops at /', t => {
	const busybox = 'docker.io/library/busybox:1.36';
	t.true(referenceMatches('busybox', busybox));
	t.true(referenceMatches('busybox:1.*', busybox));
	t.true(referenceMatches('busy*', busybox));
	t.true(referenceMatches('busybo?:1.3[0-9]', busybox));
	t.false(referenceMatches('busybox:2', busybox));
	t.false(referenceMatches('library/busybox', busybox));
	t.true(referenceMatches('user/*', 'docker.io/user/app:1'));
	t.false(referenceMatches('*', 'docker.io/user/app:1'));
	t.true(referenceMatches('localhost:5000/*', 'localhost:5000/app@sha256:' + 'a'.repeat(64)));
	t.true(referenceMatches('a.b', 'docker.io/library/a.b:latest'));
	t.false(referenceMatches('a.b', 'docker.io/library/axb:latest'));
});

test('label filters must all be there, with their values when given', t => {
	const filters = parseImageFilters(['label=tier=web', 'label=team']);
	t.true(labelsMatch(filters, {tier: 'web', team: 'a'}));
	t.false(labelsMatch(filters, {tier: 'db', team: 'a'}));
	t.false(labelsMatch(filters, {tier: 'web'}));
	t.false(labelsMatch(filters, undefined));
	t.true(labelsMatch(parseImageFilters([]), undefined));
});
