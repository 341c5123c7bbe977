import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {CredentialStore, authKeyDomain} from '../../source/registry/credentials.js';

const temporary = (t: {teardown: (fn: () => void) => void}) => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-credentials-'));
	t.teardown(() => {
		fs.rmSync(dir, {recursive: true, force: true});
	});
	return new CredentialStore({BERTH_CONFIG: path.join(dir, 'berth'), DOCKER_CONFIG: path.join(dir, 'docker')});
};

const auth = (text: string) => Buffer.from(text).toString('base64');

test('the keys Docker writes name the same registries', t => {
	t.is(authKeyDomain('https://index.docker.io/v1/'), 'docker.io');
	t.is(authKeyDomain('registry-1.docker.io'), 'docker.io');
	t.is(authKeyDomain('https://localhost:5000'), 'localhost:5000');
	t.is(authKeyDomain('http://127.0.0.1:5000/v2/'), '127.0.0.1:5000');
	t.is(authKeyDomain('quay.io'), 'quay.io');
});

test('berth keeps its own credentials in a file only its owner reads', async t => {
	const store = temporary(t);
	t.is(await store.get('localhost:5000'), undefined);
	await store.save('localhost:5000', {username: 'alice', password: 'se:cret'});
	await store.save('docker.io', {username: 'bob', password: 'x'});
	t.is(fs.statSync(store.file).mode & 0o777, 0o600);
	t.deepEqual(await store.get('localhost:5000'), {username: 'alice', password: 'se:cret'});
	t.true(await store.remove('localhost:5000'));
	t.false(await store.remove('localhost:5000'));
	t.is(await store.get('localhost:5000'), undefined);
	t.deepEqual(await store.get('docker.io'), {username: 'bob', password: 'x'});
});

test('Docker\'s config.json is read too, and berth\'s own entry wins', async t => {
	const store = temporary(t);
	fs.mkdirSync(path.dirname(store.dockerFile), {recursive: true});
	fs.writeFileSync(store.dockerFile, JSON.stringify({
		auths: {
			'https://index.docker.io/v1/': {auth: auth('hubuser:hubpass')},
			'registry.example': {username: 'plain', password: 'fields'},
			'empty.example': {},
		},
		credsStore: 'desktop',
	}));
	t.deepEqual(await store.get('docker.io'), {username: 'hubuser', password: 'hubpass'});
	t.deepEqual(await store.get('registry.example'), {username: 'plain', password: 'fields'});
	t.is(await store.get('empty.example'), undefined);
	await store.save('docker.io', {username: 'mine', password: 'own'});
	t.deepEqual(await store.get('docker.io'), {username: 'mine', password: 'own'});
	// logout forgets berth's entry only; Docker's file is Docker's.
	t.true(await store.remove('docker.io'));
	t.deepEqual(await store.get('docker.io'), {username: 'hubuser', password: 'hubpass'});
});
