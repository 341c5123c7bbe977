// Installs the Debian packages the tests need when they are missing, then checks the build.
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';

const packages = {
	'busybox-static': '/bin/busybox',
	tmux: '/usr/bin/tmux',
	nftables: '/usr/sbin/nft',
	// What berth saves must open in the OCI tools (save.test.ts; skopeo is listed below too).
	umoci: '/usr/bin/umoci',
	iptables: '/usr/sbin/iptables',
	iproute2: '/usr/sbin/ip',
	curl: '/usr/bin/curl',
	// The registry tests: distribution 2.8, htpasswd for its basic auth, skopeo to check what berth pushed.
	'docker-registry': '/usr/bin/docker-registry',
	'apache2-utils': '/usr/bin/htpasswd',
	skopeo: '/usr/bin/skopeo',
	openssl: '/usr/bin/openssl',
};

const missing = Object.entries(packages).filter(([, file]) => !fs.existsSync(file)).map(([name]) => name);
if (missing.length > 0) {
	const run = (...args) => execFileSync(args[0], args.slice(1), {stdio: 'inherit', env: {...process.env, DEBIAN_FRONTEND: 'noninteractive'}});
	run('apt-get', 'update', '-qq');
	run('apt-get', 'install', '-y', '-qq', ...missing);
}

for (const file of ['dist/cli.js', 'dist/berth.blob', 'source/native/build/Release/berth', 'source/native/build/Release/berth-shim', 'source/native/build/Release/berth_native.node']) {
	if (!fs.existsSync(file)) {
		console.error(`berth is not built (${file} is missing): run npm ci first`);
		process.exit(1);
	}
}
