import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {berth, cli, destroyRoots, rootsWithImage, testImage, type Roots} from '../helpers/berth.js';

let roots: Roots;
test.before(() => {
	roots = rootsWithImage();
});
test.after.always(() => {
	destroyRoots(roots);
});

/** A build context of the test's own, beside the roots (so destroyRoots removes it too). */
const context = (name: string, files: Record<string, string>): string => {
	const dir = path.join(path.dirname(roots.root), 'contexts', name);
	for (const [file, content] of Object.entries(files)) {
		fs.mkdirSync(path.dirname(path.join(dir, file)), {recursive: true});
		fs.writeFileSync(path.join(dir, file), content);
	}

	return dir;
};

const ok = async (t: ExecutionContext, args: string[], input?: string) => {
	const result = await berth(roots, args, {input, timeout: 110_000});
	t.is(result.code, 0, result.stderr + result.stdout);
	return result.stdout;
};

const inspect = async (t: ExecutionContext, image: string) => JSON.parse(await ok(t, ['image', 'inspect', image]))[0];

const builtId = (output: string) => /Successfully built ([a-f\d]{12})\n/.exec(output)?.[1];

const countCached = (output: string) => output.split('\n').filter(line => line === ' ---> Using cache').length;

test('a Dockerfile builds an image that runs as written, with one history entry per instruction', async t => {
	const dir = context('config', {
		Dockerfile: [
			`FROM ${testImage}`,
			'ENV GREETING="hello there" APP=/app',
			'WORKDIR $APP',
			'COPY greet.sh ./',
			'RUN echo "built with $GREETING" > built.txt',
			'USER user',
			'EXPOSE 8080/tcp 53/udp',
			'LABEL org.example.name="the test" version=1',
			'STOPSIGNAL SIGINT',
			'VOLUME /data',
			'ENTRYPOINT ["/app/greet.sh"]',
			'CMD ["world"]',
		].join('\n'),
		'greet.sh': '#!/bin/sh\necho "$GREETING, $1, from $(pwd) as $(id -u)"\ncat built.txt\n',
	});
	fs.chmodSync(path.join(dir, 'greet.sh'), 0o755);
	const output = await ok(t, ['build', '--network', 'none', '-t', 'built:config', '-t', 'built:also', dir]);
	t.regex(output, /^Step 1\/12 : FROM busybox-test:latest\n ---> [a-f\d]{12}\nStep 2\/12 : ENV GREETING="hello there" APP=\/app\n/);
	t.regex(output, /Step 5\/12 : RUN echo "built with \$GREETING" > built.txt\n ---> Running in [a-f\d]{12}\nRemoving intermediate container [a-f\d]{12}\n ---> [a-f\d]{12}\n/);
	t.regex(output, /Successfully built [a-f\d]{12}\nSuccessfully tagged built:config\nSuccessfully tagged built:also\n$/);
	t.is(await ok(t, ['run', '--rm', 'built:config']), 'hello there, world, from /app as 1000\nbuilt with hello there\n');
	const {Config: config, Id: id} = await inspect(t, 'built:config');
	t.is(id.slice(7, 19), builtId(output));
	t.deepEqual(config.Entrypoint, ['/app/greet.sh']);
	t.deepEqual(config.Cmd, ['world']);
	t.true(config.Env.includes('GREETING=hello there') && config.Env.includes('APP=/app'));
	t.is(config.WorkingDir, '/app');
	t.is(config.User, 'user');
	t.deepEqual(config.ExposedPorts, {'8080/tcp': {}, '53/udp': {}});
	t.deepEqual(config.Labels, {'org.example.name': 'the test', version: '1'});
	t.is(config.StopSignal, 'SIGINT');
	t.deepEqual(config.Volumes, {'/data': {}});
	t.is((await inspect(t, 'built:also')).Id, id);
	const history = (await ok(t, ['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'built:config'])).trim().split('\n');
	t.is(history.length, 12); // The base image's one entry, and eleven instructions.
	t.regex(history[0]!, /#\(nop\) {2}CMD \["world"\]$/);
	t.regex(history[7]!, /^\/bin\/sh -c echo "built with \$GREETING" > built.txt$/);
	t.regex(history[8]!, /#\(nop\) COPY file:[a-f\d]{64} in \.\/ $/);
});

test('an unchanged rebuild is all cache hits and the same image; a changed file rebuilds from its COPY on', async t => {
	const dir = context('cache', {
		Dockerfile: `FROM ${testImage}\nRUN echo one > /one\nCOPY a.txt /a.txt\nRUN cat /a.txt > /copied\nCOPY b.txt /b.txt\nCMD ["cat", "/copied", "/b.txt"]\n`,
		'a.txt': 'a1\n',
		'b.txt': 'b1\n',
	});
	const first = await ok(t, ['build', '-t', 'built:cache', dir]);
	t.is(countCached(first), 0);
	const again = await ok(t, ['build', '-t', 'built:cache', dir]);
	t.is(countCached(again), 5);
	t.false(again.includes('Running in'));
	t.is(builtId(again), builtId(first));
	fs.utimesSync(path.join(dir, 'b.txt'), new Date(), new Date(2000, 1, 1)); // Times alone change nothing.
	t.is(builtId(await ok(t, ['build', dir])), builtId(first));

	fs.writeFileSync(path.join(dir, 'a.txt'), 'a2\n');
	const changed = await ok(t, ['build', '-t', 'built:cache', dir]);
	t.is(countCached(changed), 1); // Only the RUN before the COPY.
	t.regex(changed, /Step 3\/6 : COPY a.txt \/a.txt\n ---> (?!Using cache)/);
	t.not(builtId(changed), builtId(first));
	t.is(await ok(t, ['run', '--rm', 'built:cache']), 'a2\nb1\n');

	const uncached = await ok(t, ['build', '--no-cache', dir]);
	t.is(countCached(uncached), 0);
	// The steps run again are cached in their turn: -q prints the id alone.
	t.regex(await ok(t, ['build', '-q', dir]), new RegExp(`^sha256:${builtId(uncached)!}[a-f\\d]{52}\n$`));
});

test('a multi-stage build copies from an earlier stage, down to FROM scratch; --target stops at a stage', async t => {
	const dir = context('stages', {
		Dockerfile: [
			`ARG BASE=${testImage}`,
			'FROM $BASE AS builder',
			'ARG FLAVOUR',
			'RUN mkdir /out && echo "made in the builder: $FLAVOUR" > /out/result && chmod 640 /out/result',
			'FROM scratch',
			'COPY --from=builder /bin/busybox /bin/',
			'COPY --from=0 --chown=1000:10 /out/ /data/',
			'ENTRYPOINT ["/bin/busybox"]',
			'CMD ["cat", "/data/result"]',
		].join('\n'),
	});
	const output = await ok(t, ['build', '--build-arg', 'FLAVOUR=vanilla', '--build-arg', 'SPARE=1', '-t', 'built:stages', dir]);
	t.regex(output, /Step 9\/9 : CMD/);
	t.is(await ok(t, ['run', '--rm', 'built:stages']), 'made in the builder: vanilla\n');
	t.is(await ok(t, ['run', '--rm', 'built:stages', 'stat', '-c', '%a %u %g', '/data/result']), '640 1000 10\n');
	const image = await inspect(t, 'built:stages');
	t.is(image.RootFS.Layers.length, 2);

	const result = await berth(roots, ['build', '--build-arg', 'SPARE=1', dir]);
	t.regex(result.stderr, /One or more build-args \[SPARE\] were not consumed/);

	const target = await ok(t, ['build', '--target', 'builder', '-t', 'built:builder', dir]);
	t.regex(target, /Step 4\/4 : RUN/);
	t.is(await ok(t, ['run', '--rm', 'built:builder', 'cat', '/out/result']), 'made in the builder: \n');
});

test.serial('a failing RUN names the step, the command and its status, tags nothing and leaves no container', async t => {
	const dir = context('failing', {Dockerfile: `FROM ${testImage}\nRUN echo before\nRUN echo about to fail; exit 3\nRUN echo never\n`});
	const result = await berth(roots, ['build', '-t', 'built:failing', dir]);
	t.is(result.code, 1);
	t.regex(result.stdout, /about to fail\n/);
	t.false(result.stdout.includes('never'));
	t.is(result.stderr, 'berth: step 3/4 `RUN echo about to fail; exit 3`: the command `/bin/sh -c echo about to fail; exit 3` returned a non-zero code: 3\n');
	t.is((await berth(roots, ['image', 'inspect', 'built:failing'])).code, 125);
	t.is(await ok(t, ['ps', '-a', '-q']), '');
	const temporary = path.join(roots.root, 'build', 'tmp');
	t.deepEqual(fs.existsSync(temporary) ? fs.readdirSync(temporary) : [], []);
});

test.serial('Ctrl-C stops a build: its running step\'s container is killed and removed', async t => {
	const dir = context('interrupted', {Dockerfile: `FROM ${testImage}\nRUN echo started; sleep 60\nRUN echo never\n`});
	const child = spawn(cli, ['build', '-t', 'built:interrupted', dir], {env: roots.env, stdio: ['ignore', 'pipe', 'pipe']});
	let output = '';
	child.stdout.setEncoding('utf8').on('data', chunk => {
		output += chunk;
		if (output.includes('started\n')) {
			child.kill('SIGINT');
		}
	});
	child.stderr.setEncoding('utf8').on('data', chunk => {
		output += chunk;
	});
	const code = await new Promise(resolve => child.on('close', resolve));
	t.is(code, 1, output);
	t.regex(output, /berth: step 2\/3 `RUN echo started; sleep 60`: the command `\/bin\/sh -c echo started; sleep 60` was interrupted\n$/);
	t.is(await ok(t, ['ps', '-a', '-q']), '');
	t.is((await berth(roots, ['image', 'inspect', 'built:interrupted'])).code, 125);
});

test('.dockerignore keeps files out of the context, with exceptions', async t => {
	const dir = context('ignore', {
		Dockerfile: `FROM ${testImage}\nCOPY . /ctx/\nCMD ["find", "/ctx", "-type", "f"]\n`,
		'.dockerignore': '*.log\n!keep.log\nsecret/\n',
		'app.txt': 'app\n',
		'debug.log': 'noise\n',
		'keep.log': 'kept\n',
		'secret/key': 'hidden\n',
		'nested/deeper/file.txt': 'deep\n',
	});
	await ok(t, ['build', '-t', 'built:ignore', dir]);
	const files = (await ok(t, ['run', '--rm', 'built:ignore'])).trim().split('\n').sort();
	t.deepEqual(files, ['/ctx/.dockerignore', '/ctx/Dockerfile', '/ctx/app.txt', '/ctx/keep.log', '/ctx/nested/deeper/file.txt']);
	const missing = await berth(roots, ['build', context('ignored-source', {Dockerfile: `FROM ${testImage}\nCOPY debug.log /\n`, '.dockerignore': '*.log\n', 'debug.log': 'x\n'})]);
	t.is(missing.code, 125);
	t.regex(missing.stderr, /`debug.log`: no such file in the build context or excluded by .dockerignore/);
});

test('COPY cannot reach outside the context, by .. or by a symlink', async t => {
	const dir = context('escape', {Dockerfile: `FROM ${testImage}\nCOPY ../outside /\n`, 'inside.txt': 'in\n'});
	fs.writeFileSync(path.join(dir, '..', 'outside'), 'secret\n');
	const result = await berth(roots, ['build', dir]);
	t.is(result.code, 125);
	t.regex(result.stderr, /`\.\.\/outside` is outside the build context/);

	// A symlink to / resolves inside the context, as a chroot would see it.
	const linked = context('escape-link', {Dockerfile: `FROM ${testImage}\nCOPY link/etc/hostname /copied\n`, 'etc/hostname': 'context\n'});
	fs.symlinkSync('/', path.join(linked, 'link'));
	await ok(t, ['build', '-t', 'built:link', linked]);
	t.is(await ok(t, ['run', '--rm', 'built:link', 'cat', '/copied']), 'context\n');
});

test('COPY keeps modes and applies --chown; RUN runs as USER; ADD unpacks a tarball; globs match', async t => {
	const dir = context('files', {
		Dockerfile: [
			`FROM ${testImage}`,
			'COPY --chown=user:wheel run.sh /opt/',
			'COPY *.txt /texts/',
			'ADD bundle.tar /unpacked/',
			'USER 1000',
			'RUN id -u > /tmp/uid && touch /home/user/made',
		].join('\n'),
		'run.sh': '#!/bin/sh\n',
		'one.txt': '1\n',
		'two.txt': '2\n',
	});
	fs.chmodSync(path.join(dir, 'run.sh'), 0o750);
	const bundle = context('bundle-source', {'inner/file': 'from the tarball\n'});
	const {execFileSync} = await import('node:child_process');
	execFileSync('tar', ['-C', bundle, '-cf', path.join(dir, 'bundle.tar'), 'inner']);
	await ok(t, ['build', '-t', 'built:files', dir]);
	const script = 'stat -c "%a %U %G" /opt/run.sh; ls /texts; cat /unpacked/inner/file /tmp/uid; stat -c %U /home/user/made';
	t.is(await ok(t, ['run', '--rm', 'built:files', 'sh', '-c', script]), '750 user wheel\none.txt\ntwo.txt\nfrom the tarball\n1000\nuser\n');
});

test('SHELL, HEALTHCHECK and ONBUILD are kept in the config; a child build runs the triggers', async t => {
	const parent = context('onbuild', {
		Dockerfile: [
			`FROM ${testImage}`,
			'SHELL ["/bin/sh", "-ec"]',
			'RUN echo "$-" > /flags',
			'RUN ["/bin/sh", "-c", "echo exec form > /exec"]',
			'HEALTHCHECK --interval=5s --retries=2 CMD test -f /tmp/ok',
			'ONBUILD RUN echo triggered > /triggered',
		].join('\n'),
	});
	await ok(t, ['build', '-t', 'built:onbuild', parent]);
	const {Config: config} = await inspect(t, 'built:onbuild');
	t.deepEqual(config.Shell, ['/bin/sh', '-ec']);
	t.deepEqual(config.Healthcheck, {Test: ['CMD-SHELL', 'test -f /tmp/ok'], Interval: 5_000_000_000, Retries: 2});
	t.deepEqual(config.OnBuild, ['RUN echo triggered > /triggered']);
	t.regex(await ok(t, ['run', '--rm', 'built:onbuild', 'cat', '/flags', '/exec']), /^[a-z]*e[a-z]*\nexec form\n$/);

	// From standard input, with no context.
	const child = await ok(t, ['build', '-t', 'built:child', '-'], 'FROM built:onbuild\nCMD ["cat", "/triggered"]\n');
	t.regex(child, /# Executing 1 build trigger\n/);
	t.is(await ok(t, ['run', '--rm', 'built:child']), 'triggered\n');
	t.is((await inspect(t, 'built:child')).Config.OnBuild, undefined);
});
