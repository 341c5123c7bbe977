/**
 * Registry transfer speed: push and pull of a 200 MB, 5-layer image (busybox and four 50 MB
 * layers of incompressible files, gzipped) to and from a loopback registry (Debian's
 * docker-registry, a fresh one for each run so that nothing is already there), berth beside
 * `skopeo copy` doing the same. berth runs as installed: the launcher and its start-up snapshot.
 *
 * What each side does, for the same bytes on the wire:
 *   - berth push: store -> registry. skopeo push: an OCI layout holding the same blobs ->
 *     registry; it hashes every blob as it reads it, berth trusts its verified store.
 *   - berth pull: one pass per layer: download, sha256 of the compressed bytes, the blob written
 *     to the store, and from the same bytes gunzip, diff id, unpack; both fsynced before they
 *     are renamed into place (DESIGN.md's crash-safety contract).
 *   - skopeo pull (oci): the compressed blobs only, verified and fsynced: no gunzip, no diff
 *     id, no unpack. Half of berth's work: the floor, not a peer.
 *   - skopeo pull (overlay), containers-storage: the compressed blobs into temporary files
 *     (verified; the diff id alongside), then each unpacked from its file; the blobs are
 *     dropped, nothing is fsynced but the store's metadata. The peer that does what berth does,
 *     less the kept blob and the fsyncs.
 * The tools take turns, run after run; medians in ms, then ratios. The goal (issue 5) is berth
 * at most 0.8 of skopeo. The machine is shared: give the load average with the figures.
 *
 *   sudo node --import=tsx bench/registry.ts [runs]
 */
import {execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {ImageStore} from '../source/image/store.js';
import {BlobStore} from '../source/storage/blobs.js';
import {cli, destroyRoots, makeRoots} from '../test/helpers/berth.js';
import {addLayeredImage} from '../test/helpers/layered-image.js';
import {startRegistry} from '../test/helpers/registry.js';

const runs = Number(process.argv[2] ?? 3);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-registry-'));

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const run = (argv: string[], env: NodeJS.ProcessEnv = process.env) =>
	execFileSync(argv[0]!, argv.slice(1), {env, stdio: ['ignore', 'ignore', 'inherit']});

/** Times `action` against a fresh registry that `prepare` (not timed) may fill; what `action` returns runs after the clock stops. */
const timeOnce = async (action: (host: string, index: number) => (() => void) | void, index: number, prepare?: (host: string) => void): Promise<number> => {
	// In memory: the registry is the same for every tool, and its disk would only add noise.
	const registry = await startRegistry({base: '/dev/shm'});
	try {
		prepare?.(registry.host);
		// Each run is timed doing its own writes only. skopeo leaves what it writes to the kernel,
		// which writes it back 30 s later, during whatever runs then; and berth's syncfs would
		// write it back inside berth's time. So what earlier runs wrote goes to disk first.
		execFileSync('sync');
		const start = performance.now();
		const cleanup = action(registry.host, index);
		const elapsed = performance.now() - start;
		cleanup?.();
		return elapsed;
	} finally {
		registry.stop();
	}
};

/** Four layers of 50 files of 1 MB each, random: gzip cannot shrink them. */
const layers = Array.from({length: 4}, (_, layer) => Object.fromEntries(Array.from({length: 50}, (_, file) =>
	[`data/${layer}/${file}.bin`, randomBytes(1024 * 1024)])));

const roots = makeRoots();
try {
	const name = 'bench/big:1';
	await addLayeredImage(roots.root, name, layers, 1);
	const store = new ImageStore(roots.root, new BlobStore(roots.root));
	const image = await store.resolve(name);
	const size = image.manifest.layers.reduce((sum, layer) => sum + layer.size, 0);

	// The same blobs as an OCI layout, for skopeo to push.
	const layout = path.join(work, 'layout');
	fs.mkdirSync(path.join(layout, 'blobs/sha256'), {recursive: true});
	for (const digest of [image.manifestDigest, image.manifest.config.digest, ...image.manifest.layers.map(layer => layer.digest)]) {
		fs.copyFileSync(store.blobs.path(digest), path.join(layout, 'blobs/sha256', digest.slice(7)));
	}

	fs.writeFileSync(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
	fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify({schemaVersion: 2, manifests: [{
		mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.manifestDigest, size: fs.statSync(store.blobs.path(image.manifestDigest)).size,
		annotations: {'org.opencontainers.image.ref.name': 'big'},
	}]}));
	const policy = path.join(work, 'policy.json');
	fs.writeFileSync(policy, '{"default":[{"type":"insecureAcceptAnything"}]}');
	const skopeo = (...args: string[]) => ['skopeo', '--policy', policy, ...args];

	const berth = (args: string[]) => [cli, ...args];
	const tagged = (host: string) => `${host}/bench/big:1`;
	const tagBerth = (host: string) => {
		run(berth(['tag', name, tagged(host)]), roots.env);
	};

	const pushBerth = (host: string) => {
		run(berth(['push', '-q', tagged(host)]), roots.env);
	};

	const pushSkopeo = (host: string) => {
		run(skopeo('copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:big`, `docker://${tagged(host)}`));
	};

	const pulled = (index: number, what: string) => path.join(work, `${what}-${index}`);
	const cases: Record<string, [(host: string, index: number) => (() => void) | void, ((host: string) => void)?]> = {
		'berth push': [pushBerth, tagBerth],
		'skopeo push': [pushSkopeo],
		'berth pull': [host => {
			const target = makeRoots();
			run(berth(['pull', '-q', tagged(host)]), target.env);
			return () => {
				destroyRoots(target);
			};
		}, pushSkopeo],
		'skopeo pull (oci)': [(host, index) => {
			run(skopeo('copy', '--quiet', '--src-tls-verify=false', `docker://${tagged(host)}`, `oci:${pulled(index, 'oci')}:big`));
		}, pushSkopeo],
		'skopeo pull (overlay)': [(host, index) => {
			const storage = pulled(index, 'storage');
			run(skopeo('copy', '--quiet', '--src-tls-verify=false', `docker://${tagged(host)}`,
				`containers-storage:[overlay@${storage}/root+${storage}/run]bench/big:1`));
			return () => {
				execFileSync('umount', ['-R', `${storage}/root/overlay`], {stdio: 'ignore'});
			};
		}, pushSkopeo],
	};
	// Round-robin, so that a slow moment of the machine falls on every tool alike.
	const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map(name => [name, []]));
	for (let index = 0; index < runs; index++) {
		for (const [name, [action, prepare]] of Object.entries(cases)) {
			times[name]!.push(await timeOnce(action, index, prepare));
		}
	}

	const results = Object.fromEntries(Object.entries(times).map(([name, values]) => [name, median(values)]));
	console.log(`${(size / 1e6).toFixed(0)} MB in ${image.manifest.layers.length} layers; ${runs} runs each, medians in ms; load average ${os.loadavg().map(load => load.toFixed(2)).join(' ')}\n`);
	for (const [what, ms] of Object.entries(results)) {
		console.log(`${what.padEnd(20)} ${ms.toFixed(0).padStart(7)}`);
	}

	console.log('\nratios (goal <= 0.8)');
	console.log(`push  berth / skopeo              ${(results['berth push']! / results['skopeo push']!).toFixed(2)}`);
	console.log(`pull  berth / skopeo to overlay   ${(results['berth pull']! / results['skopeo pull (overlay)']!).toFixed(2)}  (both unpack; berth also keeps the blobs, and fsyncs)`);
	console.log(`pull  berth / skopeo to oci       ${(results['berth pull']! / results['skopeo pull (oci)']!).toFixed(2)}  (skopeo neither gunzips nor unpacks)`);
} finally {
	destroyRoots(roots);
	fs.rmSync(work, {recursive: true, force: true});
}
