import test from 'ava';
import {applyChanges} from '../../source/image/changes.js';
import {envLookup, expandWord, splitWords} from '../../source/image/shell-words.js';

test('words split at blanks outside quotes and keep their quotes', t => {
	t.deepEqual(splitWords('a=1  b="x y" c=\'p q\''), ['a=1', 'b="x y"', 'c=\'p q\'']);
	t.deepEqual(splitWords('a=x\\ y b'), ['a=x\\ y', 'b']);
	t.deepEqual(splitWords('  '), []);
	t.deepEqual(splitWords('""'), ['""']);
});

test('words lose quotes and escapes and expand variables as the Dockerfile shell does', t => {
	const lookup = envLookup(['HOME=/root', 'EMPTY=', 'PATH=/bin']);
	const table: Array<[string, string]> = [
		['plain', 'plain'],
		['"x y"', 'x y'],
		['\'$HOME\'', '$HOME'],
		['"$HOME"', '/root'],
		['$HOME/x', '/root/x'],
		['${HOME}x', '/rootx'],
		['\\$HOME', '$HOME'],
		['"a\\"b"', 'a"b'],
		['"a\\nb"', 'a\\nb'],
		['x\\ y', 'x y'],
		['$UNSET', ''],
		['${UNSET:-def}', 'def'],
		['${EMPTY:-def}', 'def'],
		['${HOME:-def}', '/root'],
		['${HOME:+set}', 'set'],
		['${UNSET:+set}', ''],
		['${PATH:-"a b"}', '/bin'],
		['$', '$'],
		['a$', 'a$'],
		['$1', ''],
	];
	for (const [word, expected] of table) {
		t.is(expandWord(word, lookup), expected, word);
	}

	for (const word of ['"open', '\'open', '${HOME', '${}', '${HOME!x}', '${HOME:*x}']) {
		t.throws(() => expandWord(word, lookup), {code: 'INVALID_ARGUMENT'}, word);
	}

	t.throws(() => expandWord('${UNSET:?must be set}', lookup), {message: '`UNSET`: must be set'});
});

test('CMD and ENTRYPOINT take the exec form or the shell form', t => {
	t.deepEqual(applyChanges({}, ['CMD ["/bin/echo", "hi there"]']).Cmd, ['/bin/echo', 'hi there']);
	t.deepEqual(applyChanges({}, ['cmd echo $HOME "x"']).Cmd, ['/bin/sh', '-c', 'echo $HOME "x"']);
	t.deepEqual(applyChanges({}, ['CMD []']).Cmd, []);
	t.deepEqual(applyChanges({}, ['CMD [not json']).Cmd, ['/bin/sh', '-c', '[not json']);
	t.deepEqual(applyChanges({}, ['ENTRYPOINT top -b']).Entrypoint, ['/bin/sh', '-c', 'top -b']);
	t.deepEqual(applyChanges({Shell: ['/bin/bash', '-c']}, ['CMD ls']).Cmd, ['/bin/bash', '-c', 'ls']);
	t.throws(() => applyChanges({}, ['CMD [1, 2]']), {code: 'INVALID_ARGUMENT'});
});

test('ENTRYPOINT resets the inherited CMD unless CMD is changed too', t => {
	const base = {Cmd: ['sh']};
	t.is(applyChanges(base, ['ENTRYPOINT ["/bin/app"]']).Cmd, undefined);
	t.deepEqual(applyChanges(base, ['CMD ["--help"]', 'ENTRYPOINT ["/bin/app"]']).Cmd, ['--help']);
	t.deepEqual(base, {Cmd: ['sh']});
});

test('ENV sets in place, in both forms, expanding what was set before', t => {
	const config = applyChanges({Env: ['PATH=/bin', 'A=old']}, [
		'ENV A=new B="two words" C=$A',
		'ENV D the rest "of the" line',
		'env PATH=$PATH:/opt/bin',
	]);
	t.deepEqual(config.Env, ['PATH=/bin:/opt/bin', 'A=new', 'B=two words', 'C=old', 'D=the rest of the line']);
	t.throws(() => applyChanges({}, ['ENV A']), {message: '`ENV` must have two arguments'});
	t.throws(() => applyChanges({}, ['ENV A=1 B']), {code: 'INVALID_ARGUMENT'});
	t.throws(() => applyChanges({}, ['ENV =1']), {code: 'INVALID_ARGUMENT'});
});

test('LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL', t => {
	const config = applyChanges({WorkingDir: '/srv', Env: ['APP=web']}, [
		'LABEL a=1 "b c"="d e"',
		'LABEL legacy value here',
		'USER 1000:1000',
		'WORKDIR $APP/./x',
		'VOLUME ["/data", "/logs"]',
		'VOLUME /cache /$APP',
		'STOPSIGNAL SIGINT',
	]);
	t.deepEqual(config.Labels, {a: '1', 'b c': 'd e', legacy: 'value here'});
	t.is(config.User, '1000:1000');
	t.is(config.WorkingDir, '/srv/web/x');
	t.deepEqual(Object.keys(config.Volumes!), ['/data', '/logs', '/cache', '/web']);
	t.is(config.StopSignal, 'SIGINT');
	t.is(applyChanges({WorkingDir: '/srv'}, ['WORKDIR /a/../b']).WorkingDir, '/b');
	t.is(applyChanges({}, ['STOPSIGNAL 9']).StopSignal, '9');
	t.is(applyChanges({}, ['STOPSIGNAL term']).StopSignal, 'term');
	t.throws(() => applyChanges({}, ['STOPSIGNAL SIGNOPE']), {message: 'invalid signal `SIGNOPE`'});
	t.throws(() => applyChanges({}, ['STOPSIGNAL 0']), {code: 'INVALID_ARGUMENT'});
	t.throws(() => applyChanges({}, ['VOLUME [""]']), {code: 'INVALID_ARGUMENT'});
});

test('EXPOSE takes ports, protocols and ranges', t => {
	const config = applyChanges({Env: ['PORTS=8080 9090']}, ['EXPOSE 80 53/udp 7000-7002/TCP', 'EXPOSE $PORTS']);
	t.deepEqual(Object.keys(config.ExposedPorts!), ['80/tcp', '53/udp', '7000/tcp', '7001/tcp', '7002/tcp', '8080/tcp', '9090/tcp']);
	t.throws(() => applyChanges({}, ['EXPOSE 70000']), {message: 'invalid port `70000`'});
	t.throws(() => applyChanges({}, ['EXPOSE 80/icmp']), {message: 'invalid protocol `icmp` in `80/icmp`'});
	t.throws(() => applyChanges({}, ['EXPOSE 90-80']), {code: 'INVALID_ARGUMENT'});
});

test('unknown and empty instructions are refused', t => {
	t.throws(() => applyChanges({}, ['RUN true']), {message: '`RUN` is not a valid change command'});
	t.throws(() => applyChanges({}, ['CMD']), {message: '`CMD` requires at least one argument'});
	t.deepEqual(applyChanges({User: 'x'}, ['', '  ']), {User: 'x'});
});
