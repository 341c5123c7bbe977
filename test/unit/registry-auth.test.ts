import test from 'ava';
import {parseChallenge} from '../../source/registry/auth.js';

test('challenges parse as registries write them', t => {
	t.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), {
		scheme: 'bearer',
		params: {realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull'},
	});
	t.deepEqual(parseChallenge('Basic realm="berth test"'), {scheme: 'basic', params: {realm: 'berth test'}});
	t.deepEqual(parseChallenge('bearer realm=http://127.0.0.1:1/token, service=x, error="insufficient_scope"'), {
		scheme: 'bearer',
		params: {realm: 'http://127.0.0.1:1/token', service: 'x', error: 'insufficient_scope'},
	});
	t.deepEqual(parseChallenge('Bearer realm="a \\"quoted\\" realm"')?.params, {realm: 'a "quoted" realm'});
	t.is(parseChallenge(undefined), undefined);
	t.is(parseChallenge(''), undefined);
});
