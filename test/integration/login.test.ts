/**
 * Authentication and TLS against real registries on loopback: htpasswd basic auth, a TLS
 * registry with a CA made for the test, and token auth with a token server of the test's own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {RegistryClient} from '../../source/registry/client.js';
import {berth, destroyRoots, makeRoots, type Roots} from '../helpers/berth.js';
import {makeSelfSigned, makeServerCert, type KeyPair} from '../helpers/certs.js';
import {addLayeredImage} from '../helpers/layered-image.js';
import {isolateRegistryFiles, skopeoInspect, startRegistry, type TestRegistry} from '../helpers/registry.js';
import {startTokenServer, type TokenServer} from '../helpers/token-server.js';

const users = {alice: 'wonderland', bob: 'builder'};
let dir: string;
let ca: KeyPair;
let basic: TestRegistry | undefined;
let secure: TestRegistry | undefined;
let tokened: TestRegistry | undefined;
let tokens: TokenServer | undefined;
const made: Roots[] = [];

test.before(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-login-'));
	ca = makeSelfSigned(path.join(dir, 'ca'), 'berth-test-ca');
	const signer = makeSelfSigned(path.join(dir, 'signer'), 'berth-test-token-signer');
	tokens = await startTokenServer(signer, users);
	[basic, secure, tokened] = await Promise.all([
		startRegistry({users}),
		startRegistry({tls: makeServerCert(path.join(dir, 'ca'), ca)}),
		startRegistry({token: {realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, signer: signer.cert}}),
	]);
});
test.after.always(async () => {
	for (const roots of made) {
		destroyRoots(roots);
	}

	for (const registry of [basic, secure, tokened]) {
		registry?.stop();
	}

	await tokens?.close();
	fs.rmSync(dir, {recursive: true, force: true});
});

/** A store of the test's own with an image named `name`. */
const rootsWith = async (name?: string): Promise<Roots> => {
	const roots = isolateRegistryFiles(makeRoots());
	made.push(roots);
	if (name) {
		await addLayeredImage(roots.root, name, [{'who.txt': `${name}\n`}]);
	}

	return roots;
};

const authFile = (roots: Roots) => path.join(roots.env.BERTH_CONFIG!, 'auth.json');

test('basic auth: refused without login, a wrong password is not kept, login lets push and pull, logout forgets', async t => {
	const host = basic!.host;
	const name = `${host}/alice/app:1`;
	const roots = await rootsWith(name);
	const refused = await berth(roots, ['push', name]);
	t.is(refused.code, 125);
	t.is(refused.stderr, `berth: cannot push \`${name}\`: ${host} asks for authentication for \`alice/app\`: run \`berth login ${host}\` with an account that has access\n`);

	const wrong = await berth(roots, ['login', '-u', 'alice', '--password-stdin', host], {input: 'queen\n'});
	t.is(wrong.code, 125);
	t.is(wrong.stderr, `berth: login to ${host} failed: ${host} refused the username or password of \`alice\`\n`);
	t.false(fs.existsSync(authFile(roots)));

	const login = await berth(roots, ['login', '-u', 'alice', '--password-stdin', host], {input: 'wonderland\n'});
	t.is(login.code, 0, login.stderr);
	t.is(login.stdout, 'Login Succeeded\n');
	t.is(fs.statSync(authFile(roots)).mode & 0o777, 0o600);
	t.deepEqual(JSON.parse(fs.readFileSync(authFile(roots), 'utf8')), {auths: {[host]: {auth: Buffer.from('alice:wonderland').toString('base64')}}});

	const pushed = await berth(roots, ['push', name]);
	t.is(pushed.code, 0, pushed.stderr);
	const pulled = await berth(await rootsWithConfigOf(roots), ['pull', name]);
	t.is(pulled.code, 0, pulled.stderr);

	t.is((await berth(roots, ['logout', host])).stdout, `Removing login credentials for ${host}\n`);
	t.is((await berth(roots, ['logout', host])).stdout, `Not logged in to ${host}\n`);
	const afterLogout = await berth(await rootsWithConfigOf(roots), ['pull', name]);
	t.is(afterLogout.code, 125);
	t.regex(afterLogout.stderr, /asks for authentication/);
});

/** Fresh, empty roots that share the credentials of `roots`. */
const rootsWithConfigOf = async (roots: Roots): Promise<Roots> => {
	const other = await rootsWith();
	other.env.BERTH_CONFIG = roots.env.BERTH_CONFIG;
	return other;
};

test('login takes -p with a warning, and asks for what is missing only on a terminal', async t => {
	const roots = await rootsWith();
	const login = await berth(roots, ['login', '-u', 'bob', '-p', 'builder', basic!.host]);
	t.is(login.code, 0, login.stderr);
	t.is(login.stderr, 'WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
	const noTerminal = await berth(roots, ['login', basic!.host]);
	t.is(noTerminal.code, 125);
	t.is(noTerminal.stderr, 'berth: cannot ask for the credentials: stdin is not a terminal; use -u and --password-stdin\n');
});

test('credentials that docker login saved in ~/.docker/config.json are used', async t => {
	const host = basic!.host;
	const name = `${host}/bob/tool:1`;
	const roots = await rootsWith(name);
	fs.mkdirSync(roots.env.DOCKER_CONFIG!, {recursive: true});
	fs.writeFileSync(path.join(roots.env.DOCKER_CONFIG!, 'config.json'), JSON.stringify({
		auths: {[`https://${host}`]: {auth: Buffer.from('bob:builder').toString('base64')}},
	}));
	const result = await berth(roots, ['push', name]);
	t.is(result.code, 0, result.stderr);
	t.false(fs.existsSync(authFile(roots)));
});

test('TLS: a CA in certs.d is trusted, a wrong one is refused with what to do, --tls-verify=false skips the check', async t => {
	const host = secure!.host;
	const name = `${host}/tls/app:1`;
	const roots = await rootsWith(name);
	const certs = roots.env.BERTH_CERTS_DIR!;

	const plain = await berth(roots, ['push', name]);
	t.is(plain.code, 125);
	t.is(plain.stderr, `berth: cannot push \`${name}\`: ${host} speaks HTTPS: put its CA in ${certs}/${host}/ca.crt, or use --tls-verify=false\n`);

	const stranger = makeSelfSigned(path.join(dir, 'stranger'), 'stranger-ca');
	fs.mkdirSync(path.join(certs, host), {recursive: true});
	fs.copyFileSync(stranger.cert, path.join(certs, host, 'ca.crt'));
	const untrusted = await berth(roots, ['push', name]);
	t.is(untrusted.code, 125);
	t.regex(untrusted.stderr, new RegExp(`^berth: cannot push \`${name}\`: the TLS certificate of ${host} is not trusted \\(\\w+\\): put its CA in ${certs}/${host}/ca\\.crt, or use --tls-verify=false\\n$`));

	const unchecked = await berth(roots, ['push', '--tls-verify=false', name]);
	t.is(unchecked.code, 0, unchecked.stderr);

	fs.copyFileSync(ca.cert, path.join(certs, host, 'ca.crt'));
	const trusted = await berth(roots, ['pull', name]);
	t.is(trusted.code, 0, trusted.stderr);
	const skopeoCerts = path.join(dir, 'skopeo-certs');
	fs.mkdirSync(skopeoCerts, {recursive: true});
	fs.copyFileSync(ca.cert, path.join(skopeoCerts, 'ca.crt'));
	t.is(skopeoInspect(name, skopeoCerts).Digest, /: digest: (sha256:[a-f\d]{64})/.exec(unchecked.stdout)![1]);
});

test('token auth: anonymous pulls, pushes under one\'s own name after login, one token for a whole push', async t => {
	const host = tokened!.host;
	const name = `${host}/alice/app:1`;
	const roots = await rootsWith(name);
	const anonymous = await berth(roots, ['push', name]);
	t.is(anonymous.code, 125);
	t.regex(anonymous.stderr, new RegExp(`^berth: cannot push \`${name}\`: ${host} asks for authentication for \`alice/app\`.*: run \`berth login ${host}\` with an account that has access\\n$`));

	const wrong = await berth(roots, ['login', '-u', 'alice', '--password-stdin', host], {input: 'nope'});
	t.is(wrong.code, 125);
	t.is(wrong.stderr, `berth: login to ${host} failed: ${host} refused the username or password of \`alice\`\n`);
	t.is((await berth(roots, ['login', '-u', 'alice', '--password-stdin', host], {input: 'wonderland'})).code, 0);

	const before = tokens!.issued.length;
	const pushed = await berth(roots, ['push', name]);
	t.is(pushed.code, 0, pushed.stderr);
	t.deepEqual(tokens!.issued.slice(before), [['repository:alice/app:pull,push']]);

	const other = `${host}/bob/app:1`;
	t.is((await berth(roots, ['tag', name, other])).code, 0);
	const denied = await berth(roots, ['push', other]);
	t.is(denied.code, 125);
	t.regex(denied.stderr, /asks for authentication for `bob\/app`/);

	const stranger = await rootsWith();
	const pulled = await berth(stranger, ['pull', name]);
	t.is(pulled.code, 0, pulled.stderr);
});

test.serial('a token is reused until it expires, and one the registry refuses is fetched anew', async t => {
	const host = tokened!.host;
	const roots = await rootsWith(`${host}/alice/fresh:1`);
	t.is((await berth(roots, ['login', '-u', 'alice', '--password-stdin', host], {input: 'wonderland'})).code, 0);
	t.is((await berth(roots, ['push', `${host}/alice/fresh:1`])).code, 0);

	const reused = new RegistryClient(host, 'alice/fresh', ['pull']);
	const before = tokens!.issued.length;
	await reused.getManifest('1');
	await reused.getManifest('1');
	await reused.close();
	t.is(tokens!.issued.length - before, 1);

	// distribution allows 60 s of clock skew: a token that expired 55 s ago passes for 5 s more,
	// while the answer claims it lives 300 s.
	tokens!.lifetime = -55;
	tokens!.claimed = 300;
	const refreshed = new RegistryClient(host, 'alice/fresh', ['pull']);
	try {
		await refreshed.getManifest('1');
		const first = tokens!.issued.length;
		await new Promise(resolve => {
			setTimeout(resolve, 6000);
		});
		await refreshed.getManifest('1');
		t.is(tokens!.issued.length, first + 1, 'the registry refused the old token, and a new one came');
	} finally {
		tokens!.lifetime = 300;
		tokens!.claimed = undefined;
		await refreshed.close();
	}
});
