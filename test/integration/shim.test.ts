/**
 * berth-shim on its own, against the real kernel: what a user of a container would notice,
 * driven through the CONF records and the attach socket of source/native/shim/protocol.h.
 */
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {AttachClient, frameEof, frameStdin} from '../helpers/shim-attach.js';
import {makeBusyboxRootfs} from '../helpers/busybox.js';
import {assembleProbes} from '../helpers/shim-probes.js';
import {encodeConf, execShim, shimBinary, startShim, type ConfRecord} from '../helpers/shim-conf.js';
import {
	defaultPath, hostMountsUnder, parentOf, runContainer, sleep, startContainer, tempDir,
} from '../helpers/shim-fixture.js';

const sh = (script: string) => ['sh', '-c', script];

const hardLimit = (name: string): string => {
	const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find(entry => entry.startsWith(name))!;
	return line.slice(name.length).trim().split(/\s+/)[1]!;
};

/** A cgroup made for one test under a v1 controller, removed (rmdir) afterwards. */
const makeCgroup = (t: Parameters<typeof tempDir>[0], controller: string, settings: Record<string, string>): string => {
	const dir = path.join('/sys/fs/cgroup', controller, `berth-test-${process.pid}-${Math.random().toString(16).slice(2, 8)}`);
	fs.mkdirSync(dir);
	t.teardown(async () => {
		// The container's processes leave the cgroup as they are reaped: retry a little.
		for (let i = 0; i < 50; i++) {
			try {
				fs.rmdirSync(dir);
				return;
			} catch {
				await sleep(100);
			}
		}
	});
	for (const [file, value] of Object.entries(settings)) {
		fs.writeFileSync(path.join(dir, file), value);
	}

	return dir;
};

test('the command is pid 1 and host processes are invisible', async t => {
	const result = await runContainer(t, {args: sh('echo $$; ls /proc | grep -c "^[0-9]*$"; cat /proc/1/cmdline | tr "\\0" " "')});
	const [pid, count, cmdline] = result.stdout.trim().split('\n');
	t.is(pid, '1');
	// sh, ls and grep at most: nothing of the host.
	t.true(Number(count) <= 3, result.stdout);
	t.is(cmdline!.trim(), 'sh -c echo $$; ls /proc | grep -c "^[0-9]*$"; cat /proc/1/cmdline | tr "\\0" " "');
	t.is(result.code, 0);
});

test('ok names the container pid, and pidfile and shimpid hold both', async t => {
	const container = await startContainer(t, {args: ['sleep', '30']});
	const {pid, shim} = container.answer;
	t.truthy(pid);
	t.is(fs.readFileSync(container.files.pidfile, 'utf8').trim(), String(pid));
	t.is(fs.readFileSync(container.files.shimpid, 'utf8').trim(), String(shim.pid));
	t.is(parentOf(pid!), shim.pid);
	t.regex(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /^sleep\0/);
});

test('hostname, and a network namespace with only lo, up', async t => {
	const result = await runContainer(t, {args: sh('hostname; ip -o link | cut -d: -f2; ip -o link show lo | grep -c UP')});
	t.deepEqual(result.stdout.split('\n').map(line => line.trim()), ['berth-test', 'lo', '1', '']);
});

test('network host shares the host\'s namespace; netns joins the one given', async t => {
	const host = await runContainer(t, {args: ['readlink', '/proc/self/ns/net'], without: ['network'], records: [['network', 'host']]});
	t.is(host.stdout, `${fs.readlinkSync('/proc/self/ns/net')}\n`);

	const name = `berth-test-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
	t.is(spawnSync('ip', ['netns', 'add', name]).status, 0);
	t.teardown(() => {
		spawnSync('ip', ['netns', 'delete', name]);
	});
	const file = `/run/netns/${name}`;
	const joined = await runContainer(t, {args: ['readlink', '/proc/self/ns/net'], records: [['netns', file]]});
	t.is(joined.stdout, `net:[${fs.statSync(file).ino}]\n`);
});

test('the default capability set is Docker\'s', async t => {
	const result = await runContainer(t, {args: ['grep', 'Cap', '/proc/self/status']});
	t.regex(result.stdout, /CapEff:\s+00000000a80425fb/);
	t.regex(result.stdout, /CapPrm:\s+00000000a80425fb/);
	t.regex(result.stdout, /CapBnd:\s+00000000a80425fb/);
	t.regex(result.stdout, /CapAmb:\s+0000000000000000/);
});

test('another user gets no effective capabilities, its groups and its home', async t => {
	const byUid = await runContainer(t, {args: sh('id; grep -E "CapEff|CapBnd" /proc/self/status; echo $HOME; pwd'), records: [['user', '1000']]});
	t.regex(byUid.stdout, /uid=1000\(user\) gid=1000\(user\) groups=10\(wheel\),1000\(user\)\n/);
	t.regex(byUid.stdout, /CapEff:\s+0000000000000000/);
	t.regex(byUid.stdout, /CapBnd:\s+00000000a80425fb/);
	t.regex(byUid.stdout, /\/home\/user\n\/\n$/);
	const byName = await runContainer(t, {args: ['id'], records: [['user', 'nobody:wheel']]});
	t.is(byName.stdout, 'uid=65534(nobody) gid=10(wheel) groups=10(wheel)\n');
	const unknown = await runContainer(t, {args: sh('id -u; id -g; echo $HOME'), records: [['user', '4242']]});
	t.is(unknown.stdout, '4242\n0\n/\n');
});

test('an unknown user name is an error before ok', async t => {
	const container = await startContainer(t, {args: ['true'], records: [['user', 'nosuchuser']]});
	t.is(container.answer.code, 125);
	t.is(container.answer.message, 'unable to find user `nosuchuser`: no matching entries in passwd file');
});

test('mounting is denied inside', async t => {
	const result = await runContainer(t, {args: sh('mkdir -p /mnt/x; mount -t tmpfs none /mnt/x && echo mounted || echo denied')});
	t.is(result.stdout, 'denied\n');
});

test('masked paths read empty and /proc/sys is read-only', async t => {
	const result = await runContainer(t, {args: sh([
		'for f in /proc/kcore /proc/timer_list /proc/keys; do [ -e $f ] && echo "$f $(wc -c < $f)"; done',
		'ls -A /sys/firmware | wc -l',
		'echo x > /proc/sys/kernel/domainname 2>/dev/null && echo written || echo refused',
		'grep -c " /proc/sys ro," /proc/self/mountinfo',
	].join('; '))});
	const lines = result.stdout.trim().split('\n');
	t.true(lines.includes('/proc/timer_list 0'), result.stdout);
	for (const line of lines.filter(entry => entry.startsWith('/proc/'))) {
		t.regex(line, / 0$/);
	}

	t.deepEqual(lines.slice(-3), ['0', 'refused', '1']);
});

test('/dev holds only the default nodes', async t => {
	const result = await runContainer(t, {args: sh('ls -A /dev; ls -l /dev/null /dev/ptmx /dev/fd')});
	t.deepEqual(result.stdout.split('\n').slice(0, 14), [
		'fd', 'full', 'mqueue', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero',
	]);
	t.regex(result.stdout, /crw-rw-rw-\s+1 root\s+root\s+1,\s+3 .* \/dev\/null/);
	t.regex(result.stdout, /\/dev\/ptmx -> pts\/ptmx/);
	t.regex(result.stdout, /\/dev\/fd -> \/proc\/self\/fd/);
});

test('rlimits are set but never above the hard limit the shim had', async t => {
	const hard = hardLimit('Max open files');
	const clamped = await runContainer(t, {args: sh('ulimit -n; ulimit -Hn')});
	t.is(clamped.stdout, `${hard}\n${hard}\n`);
	const lower = await runContainer(t, {args: sh('ulimit -n; ulimit -Hn'), without: ['rlimit'], records: [['rlimit', 'NOFILE', 1024, 2048]]});
	t.is(lower.stdout, '1024\n2048\n');
});

test('exit codes: status, signal, not found, not executable', async t => {
	t.is((await runContainer(t, {args: sh('exit 3')})).code, 3);
	// A pid 1 ignores signals it has no handler for; `init 1` forwards them to the command.
	t.is((await runContainer(t, {args: sh('kill -TERM $$; sleep 5'), records: [['init', 1]]})).code, 143);

	const killed = await startContainer(t, {args: ['sleep', '30']});
	process.kill(killed.answer.pid!, 'SIGKILL');
	t.is((await killed.wait()).code, 137);

	const missing = await startContainer(t, {args: ['nosuchcommand']});
	t.is(missing.answer.line, 'err 127 executable file `nosuchcommand` not found in $PATH');
	t.not(await missing.answer.shimExit, 0);
	const notExecutable = await startContainer(t, {args: ['/etc/passwd']});
	t.is(notExecutable.answer.line, 'err 126 cannot execute `/etc/passwd`: permission denied');
	const directory = await startContainer(t, {args: ['/bin']});
	t.is(directory.answer.line, 'err 126 cannot execute `/bin`: is a directory');
	const absent = await startContainer(t, {args: ['/bin/nothing']});
	t.is(absent.answer.code, 127);
	t.false(fs.existsSync(absent.files.attach));
	t.false(fs.existsSync(absent.files.pidfile));
});

test('the exit file holds code, oom flag and finish time', async t => {
	const before = BigInt(Date.now()) * 1_000_000n;
	const result = await runContainer(t, {args: sh('exit 42')});
	t.is(result.code, 42);
	t.is(result.oom, 0);
	t.true(result.finished >= before && result.finished <= BigInt(Date.now()) * 1_000_000n);
	t.regex(fs.readFileSync(result.container.files.exit, 'utf8'), /^42 0 \d+\n$/);
});

test('overlay: writes go to the upper dir, the lower stays untouched, nothing stays mounted', async t => {
	const result = await runContainer(t, {overlay: true, args: sh('echo new > /etc/created; rm /bin/vi; echo changed >> /etc/passwd; cat /etc/created')});
	t.is(result.stdout, 'new\n');
	const {tree, upper, dir} = result.container;
	t.is(fs.readFileSync(path.join(upper!, 'etc/created'), 'utf8'), 'new\n');
	t.regex(fs.readFileSync(path.join(upper!, 'etc/passwd'), 'utf8'), /changed\n$/);
	t.true(fs.lstatSync(path.join(upper!, 'bin/vi')).isCharacterDevice());
	t.false(fs.existsSync(path.join(tree, 'etc/created')));
	t.true(fs.lstatSync(path.join(tree, 'bin/vi')).isSymbolicLink());
	t.notRegex(fs.readFileSync(path.join(tree, 'etc/passwd'), 'utf8'), /changed/);
	t.deepEqual(fs.readdirSync(path.join(dir, 'merged')), []);
	t.deepEqual(hostMountsUnder(dir), []);
});

const manyLayers = test.macro(async (t, count: number) => {
	const lowers: ConfRecord[] = [];
	const result = await runContainer(t, {
		overlay: true,
		prepare(tree) {
			// Names of 100 bytes: 35 layers pass one page as absolute paths but not relative to
			// their common parent; 60 pass it either way.
			for (let i = 0; i < count; i++) {
				const layer = path.join(path.dirname(tree), 'layers', `${String(i).padStart(3, '0')}-${'x'.repeat(96)}`);
				fs.mkdirSync(path.join(layer, 'layers'), {recursive: true});
				fs.writeFileSync(path.join(layer, 'layers', String(i)), `${i}\n`);
				lowers.push(['lower', layer]);
			}
		},
		records: lowers,
		args: sh('ls /layers | wc -l; cat /layers/7'),
	});
	t.is(result.stdout, `${count}\n7\n`);
	t.deepEqual(hostMountsUnder(result.container.dir), []);
});

test('overlay with more layers than one page of absolute paths', manyLayers, 35);
test('overlay with more layers than one page of relative paths', manyLayers, 60);

test('mount records: bind read-only, tmpfs, and no escape through a symlink', async t => {
	const dir = tempDir(t, 'berth-shim-src-');
	fs.writeFileSync(path.join(dir, 'data'), 'from host\n');
	const outside = path.join(dir, 'outside');
	const result = await runContainer(t, {
		prepare(tree) {
			fs.symlinkSync('/../../../../..' + outside, path.join(tree, 'escape'));
			// As in many images: a dangling link that the engine binds its resolv.conf on.
			fs.symlinkSync('../run/resolv.conf', path.join(tree, 'etc/resolv.conf'));
		},
		records: [
			['mount', path.join(dir, 'data'), '/etc/resolv.conf', 'bind', '', ''],
			['mount', dir, '/data', 'bind', 'rbind,ro', ''],
			['mount', path.join(dir, 'data'), '/etc/hostfile', 'bind', '', ''],
			['mount', 'tmpfs', '/scratch', 'tmpfs', 'nosuid,nodev', 'mode=1777,size=1m'],
			['mount', 'tmpfs', '/escape', 'tmpfs', '', ''],
		],
		args: sh('cat /data/data /etc/hostfile /etc/resolv.conf; touch /data/x 2>/dev/null && echo rw || echo ro; touch /scratch/y && echo scratch; stat -c %a /scratch'),
	});
	t.is(result.stdout, 'from host\nfrom host\nfrom host\nro\nscratch\n1777\n');
	t.true(fs.statSync(path.join(result.container.tree, 'run/resolv.conf')).isFile());
	t.false(fs.existsSync(outside));
	t.deepEqual(hostMountsUnder(dir), []);
	t.true(fs.statSync(path.join(result.container.tree, outside)).isDirectory());
});

test('a failing mount is reported and leaves nothing behind', async t => {
	const container = await startContainer(t, {args: ['true'], records: [['mount', '/nonexistent/source', '/x', 'bind', '', '']]});
	t.is(container.answer.code, 125);
	t.regex(container.answer.message!, /^cannot bind `\/nonexistent\/source`: No such file or directory$/);
	t.not(await container.answer.shimExit, 0);
	t.deepEqual(hostMountsUnder(container.dir), []);
	t.false(fs.existsSync(container.files.attach));
});

test('read-only rootfs', async t => {
	const result = await runContainer(t, {args: sh('touch /x 2>/dev/null && echo rw || echo ro; touch /dev/shm/y && echo shm'), records: [['readonly_rootfs', 1]]});
	t.is(result.stdout, 'ro\nshm\n');
});

test('cwd is created when missing, env is the whole environment', async t => {
	const result = await runContainer(t, {args: sh('pwd; env | sort'), records: [['cwd', '/work/dir'], ['env', 'FOO=bar']]});
	t.is(result.stdout, `/work/dir\nFOO=bar\nHOME=/root\n${defaultPath}\nPWD=/work/dir\nSHLVL=1\n`);
});

test('no_new_privileges and seccomp: unshare -U is refused only with the filter', async t => {
	const filtered = await runContainer(t, {args: sh('grep -E "NoNewPrivs|Seccomp:" /proc/self/status; unshare -U true 2>&1 || echo refused'), records: [['no_new_privileges', 1]]});
	t.regex(filtered.stdout, /NoNewPrivs:\s+1\nSeccomp:\s+2\n/);
	t.regex(filtered.stdout, /Operation not permitted\nrefused\n$/);
	const open = await runContainer(t, {args: sh('grep Seccomp: /proc/self/status; unshare -U true && echo allowed'), without: ['seccomp']});
	t.regex(open.stdout, /Seccomp:\s+0\nallowed\n$/);
});

test('seccomp: i386 calls, clone3 and clone with namespace flags are filtered too', async t => {
	const probes = assembleProbes(tempDir(t, 'berth-shim-probes-'));
	if (!probes) {
		t.log('no x86_64 binutils or no 32-bit support here: nothing to probe');
		t.pass();
		return;
	}

	const copyProbes = (tree: string) => {
		for (const [name, file] of Object.entries(probes)) {
			fs.copyFileSync(file, path.join(tree, 'bin', name));
			fs.chmodSync(path.join(tree, 'bin', name), 0o755);
		}
	};

	// Each probe exits with the errno of its call: EPERM 1, ENOSYS 38, EFAULT 14.
	const script = 'unshare32; echo $?; clone3; echo $?; cloneNewnet; echo $?';
	const filtered = await runContainer(t, {prepare: copyProbes, args: sh(script)});
	t.is(filtered.stdout, '1\n38\n1\n');
	const open = await runContainer(t, {prepare: copyProbes, args: sh('unshare32; echo $?; clone3; echo $?'), without: ['seccomp']});
	t.is(open.stdout, '0\n14\n');
});

test('privileged: no filter, all capabilities, /sys writable, host devices', async t => {
	const result = await runContainer(t, {
		// As the engine sends it: no masked or read-only paths either.
		without: ['caps', 'seccomp', 'mask', 'readonly'],
		records: [['privileged', 1], ['caps', '000001ffffffffff']],
		args: sh('grep -E "Seccomp:|CapBnd" /proc/self/status; awk \'$5 == "/sys" {print substr($6, 1, 2)}\' /proc/self/mountinfo; ls /dev | grep -c .'),
	});
	const hostDevices = fs.readdirSync('/dev').length;
	// All the shim had: this host's root lacks CAP_SYS_RESOURCE, and no mask can add it back.
	const hostBounding = /CapBnd:\s+(\w+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1];
	const [bounding, seccomp, sys, devices] = result.stdout.trim().split('\n');
	t.is(bounding, `CapBnd:\t${hostBounding}`);
	t.regex(seccomp!, /Seccomp:\s+0/);
	t.is(sys, 'rw');
	t.true(Number(devices) > 20 && Number(devices) <= hostDevices + 2, result.stdout);
});

test('CRI log: records, streams, partial lines and long lines', async t => {
	const long = 20_000;
	const result = await runContainer(t, {args: sh(`echo out; echo err >&2; head -c ${long} /dev/zero | tr "\\0" a; echo; printf "no newline"`)});
	const records = result.container.log();
	for (const record of records) {
		t.regex(record.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
	}

	t.deepEqual(records.map(({stream, tag, text}) => [stream, tag, text.length > 20 ? text.length : text]), [
		['stdout', 'F', 'out'],
		['stderr', 'F', 'err'],
		['stdout', 'P', 16_384],
		['stdout', 'F', long - 16_384],
		['stdout', 'P', 'no newline'],
	]);
});

test('attach: stdin goes through cat, EOF ends it, EXIT comes last', async t => {
	const container = await startContainer(t, {args: ['cat'], records: [['stdin', 1], ['wait_attach', 1]]});
	const client = await AttachClient.connect(container.files.attach);
	client.write(frameStdin, 'hello\n');
	t.true(await client.waitFor(/hello\n/));
	client.write(frameStdin, 'world\n');
	client.write(frameEof);
	await client.closed;
	t.is(client.stdout, 'hello\nworld\n');
	t.is(client.exitCode, 0);
	t.is((await container.wait()).code, 0);
	t.false(fs.existsSync(container.files.attach));
	t.is(container.output(), 'hello\nworld\n');
});

test('attach on a tty: output, resize, replay for a late client', async t => {
	const container = await startContainer(t, {
		args: sh('tty; ls /dev/console; stty size; read line; stty size; echo "got $line"; read -r pid comm state ppid pgrp sid tty tpgid rest < /proc/self/stat; echo "session $sid foreground $tpgid"; sleep 30'),
		records: [['tty', 1], ['stdin', 1], ['wait_attach', 1]],
	});
	const first = await AttachClient.connect(container.files.attach);
	// Until a client sends its size the pty has a sane default one.
	t.true(await first.waitFor(/24 80\r\n/), first.stdout);
	t.regex(first.stdout, /^\/dev\/pts\/0\r\n\/dev\/console\r\n/);
	first.resize(40, 100);
	first.write(frameStdin, 'abc\r');
	t.true(await first.waitFor(/got abc\r\n/), first.stdout);
	t.regex(first.stdout, /40 100\r\n/);
	t.true(await first.waitFor(/session 1 foreground 1\r\n/), first.stdout);
	const late = await AttachClient.connect(container.files.attach);
	t.true(await late.waitFor(/got abc\r\n/), late.stdout);
	t.regex(late.stdout, /^\/dev\/pts\/0\r\n\/dev\/console\r\n24 80\r\n/);
	process.kill(container.answer.pid!, 'SIGKILL');
	await Promise.all([first.closed, late.closed]);
	t.is(first.exitCode, 137);
	t.is(late.exitCode, 137);
	t.regex(container.output(), /got abc\n/);
});

test('attach: two clients both get the output; one owns stdin', async t => {
	const container = await startContainer(t, {args: sh('read a; echo "first $a"; read b; echo "second $b"'), records: [['stdin', 1], ['wait_attach', 1]]});
	const one = await AttachClient.connect(container.files.attach);
	const two = await AttachClient.connect(container.files.attach);
	one.write(frameStdin, 'x\n');
	t.true(await two.waitFor(/first x\n/));
	// Only the first to write owns stdin: this is dropped.
	two.write(frameStdin, 'ignored\n');
	await sleep(200);
	one.write(frameStdin, 'y\n');
	await Promise.all([one.closed, two.closed]);
	t.is(one.stdout, 'first x\nsecond y\n');
	t.is(two.stdout, 'first x\nsecond y\n');
	t.is(two.exitCode, 0);
});

test('wait_attach: nothing runs before the first client, so no output is lost', async t => {
	const container = await startContainer(t, {args: sh('echo early; echo early-err >&2'), records: [['wait_attach', 1]]});
	await sleep(300);
	t.false(fs.existsSync(container.files.exit));
	t.is(container.output(), '');
	const client = await AttachClient.connect(container.files.attach);
	await client.closed;
	t.is(client.stdout, 'early\n');
	t.is(client.stderr, 'early-err\n');
	t.is(client.exitCode, 0);
});

test('an attach socket path longer than sun_path still listens', async t => {
	const container = await startContainer(t, {
		args: ['echo', 'deep'],
		records: dir => {
			const deep = path.join(dir, 'd'.repeat(100));
			fs.mkdirSync(deep);
			fs.symlinkSync(deep, path.join(dir, 'short'));
			return [['attach', path.join(deep, 'attach.sock')], ['wait_attach', 1]];
		},
		without: ['attach'],
	});
	t.is(container.answer.pid !== undefined, true, container.answer.line);
	// Clients have the same limit: they come in through a shorter link to the directory.
	const client = await AttachClient.connect(path.join(container.dir, 'short', 'attach.sock'));
	await client.closed;
	t.is(client.stdout, 'deep\n');
	t.false(fs.existsSync(path.join(container.dir, 'short', 'attach.sock')));
});

test('init 1: pid 1 forwards signals and reaps orphans', async t => {
	const container = await startContainer(t, {
		args: sh('(sleep 0.1 &) ; sleep 0.5; ps -o pid,stat,comm | grep -c Z; echo ready; exec sleep 30'),
		records: [['init', 1]],
	});
	const {pid} = container.answer;
	t.regex(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /berth-shim/);
	for (let i = 0; i < 100 && !container.output().includes('ready'); i++) {
		// eslint-disable-next-line no-await-in-loop
		await sleep(50);
	}

	t.is(container.output(), '0\nready\n');
	process.kill(pid!, 'SIGTERM');
	t.is((await container.wait()).code, 143);
});

test('init 1 on a tty: the command is the terminal\'s foreground group', async t => {
	const container = await startContainer(t, {
		args: sh('read -r pid comm state ppid pgrp sid tty tpgid rest < /proc/self/stat; echo "pid $pid parent $ppid foreground $([ "$pgrp" = "$tpgid" ] && echo yes)"'),
		records: [['init', 1], ['tty', 1], ['wait_attach', 1]],
	});
	const client = await AttachClient.connect(container.files.attach);
	await client.closed;
	t.regex(client.stdout, /^pid (\d+) parent 1 foreground yes\r\n$/);
	t.not(/^pid (\d+)/.exec(client.stdout)?.[1], '1');
	t.is(client.exitCode, 0);
});

test('exec joins the container: hostname, pid namespace, cgroups, user', async t => {
	const container = await startContainer(t, {args: ['sleep', '30']});
	const conf = path.join(container.dir, 'exec.conf');
	const base: ConfRecord[] = [['pid', container.answer.pid!], ['env', defaultPath], ['caps', '00000000a80425fb'], ['seccomp', 1]];
	const result = await execShim(conf, [...base, ...sh('hostname; cat /proc/1/cmdline | tr "\\0" " "; echo; echo $$; grep CapEff /proc/self/status; cat; exit 5').map((arg): ConfRecord => ['arg', arg])], 'from stdin\n');
	t.is(result.status, 5);
	const [hostname, init, ownPid, caps, input] = result.stdout.split('\n');
	t.is(hostname, 'berth-test');
	t.is(init, 'sleep 30 ');
	t.true(Number(ownPid) > 1 && Number(ownPid) < 100, result.stdout);
	t.regex(caps!, /00000000a80425fb/);
	t.is(input, 'from stdin');
	t.false(fs.existsSync(conf));

	const asUser = await execShim(conf, [...base, ['user', 'user'], ['cwd', '/tmp'], ['arg', 'sh'], ['arg', '-c'], ['arg', 'id -u; pwd; echo $HOME']]);
	t.is(asUser.stdout, '1000\n/tmp\n/home/user\n');
	const missing = await execShim(conf, [...base, ['arg', 'nosuch']]);
	t.is(missing.status, 127);
	t.is(missing.stderr, 'berth: executable file `nosuch` not found in $PATH\n');
	const killed = await execShim(conf, [...base, ...sh('kill -KILL $$').map((arg): ConfRecord => ['arg', arg])]);
	t.is(killed.status, 137);
	const pidMax = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
	const gone = await execShim(conf, [['pid', pidMax], ['arg', 'true']]);
	t.is(gone.status, 125);
});

test('exec with a tty: the command is the foreground job on the caller\'s terminal', async t => {
	const container = await startContainer(t, {args: ['sleep', '30']});
	const conf = path.join(container.dir, 'exec.conf');
	const script = 'read -r pid comm state ppid pgrp sid tty tpgid rest < /proc/self/stat; [ "$pgrp" = "$tpgid" ] && echo foreground; exit 4';
	fs.writeFileSync(conf, encodeConf([['pid', container.answer.pid!], ['env', defaultPath], ['tty', 1], ...sh(script).map((arg): ConfRecord => ['arg', arg])]));
	// script(1) gives the shim a terminal that is its controlling terminal, like a user's shell.
	const result = spawnSync('script', ['-qec', `${shimBinary()} exec ${conf}`, '/dev/null'], {encoding: 'utf8', timeout: 10_000});
	t.is(result.stdout.replace(/\r/g, ''), 'foreground\n');
	t.is(result.status, 4);
});

test('a pids cgroup stops a fork bomb and the host survives', async t => {
	const cgroup = makeCgroup(t, 'pids', {'pids.max': '32'});
	const container = await startContainer(t, {
		// pid 1 then waits on stdin: a builtin, no fork needed.
		args: sh('bomb() { bomb | bomb & }; bomb; read forever'),
		records: [['cgroup', cgroup], ['stdin', 1]],
	});
	t.truthy(container.answer.pid, container.answer.line);
	let events = '';
	for (let i = 0; i < 100 && !/max [1-9]/.test(events); i++) {
		// eslint-disable-next-line no-await-in-loop
		await sleep(50);
		events = fs.readFileSync(path.join(cgroup, 'pids.events'), 'utf8');
	}

	t.regex(events, /max [1-9]/);
	t.true(Number(fs.readFileSync(path.join(cgroup, 'pids.current'), 'utf8')) <= 32);
	t.is(spawnSync('true').status, 0);
	process.kill(container.answer.pid!, 'SIGKILL');
	t.is((await container.wait()).code, 137);
	t.is(fs.readFileSync(path.join(cgroup, 'cgroup.procs'), 'utf8'), '');
});

test('a memory cgroup OOM-kills a hog: 137 and OOM 1', async t => {
	const settings: Record<string, string> = {'memory.limit_in_bytes': String(16 << 20)};
	const cgroup = makeCgroup(t, 'memory', settings);
	if (fs.existsSync(path.join(cgroup, 'memory.memsw.limit_in_bytes'))) {
		fs.writeFileSync(path.join(cgroup, 'memory.memsw.limit_in_bytes'), String(16 << 20));
	}

	const result = await runContainer(t, {
		args: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'],
		records: [['cgroup', cgroup], ['oom', path.join(cgroup, 'memory.oom_control')]],
	});
	t.is(result.code, 137);
	t.is(result.oom, 1);
});

test('the shim stays small', async t => {
	const container = await startContainer(t, {args: ['sleep', '30'], records: [['tty', 1]]});
	const rss = Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${container.answer.shim.pid}/status`, 'utf8'))![1]);
	t.true(rss <= 2048, `${rss} kB`);
});

test('the shim outlives its parent', async t => {
	const dir = tempDir(t);
	const rootfs = makeBusyboxRootfs(path.join(dir, 'rootfs'));
	const conf = path.join(dir, 'conf');
	const answer = path.join(dir, 'answer');
	const records: ConfRecord[] = [
		['rootfs', rootfs], ['arg', 'sh'], ['arg', '-c'], ['arg', 'sleep 0.5; echo orphan'],
		['log', path.join(dir, 'log')], ['exit', path.join(dir, 'exit')], ['shimpid', path.join(dir, 'shim.pid')],
	];
	fs.writeFileSync(conf, encodeConf(records));
	t.teardown(() => {
		// Still running after a failure: stop it, by the pid it wrote, if it is still that shim.
		const shimPid = Number(fs.existsSync(path.join(dir, 'shim.pid')) && fs.readFileSync(path.join(dir, 'shim.pid'), 'utf8'));
		if (shimPid && fs.existsSync(`/proc/${shimPid}`) && fs.readFileSync(`/proc/${shimPid}/cmdline`, 'utf8').includes(conf)) {
			process.kill(shimPid, 'SIGKILL');
		}
	});
	// A shell starts the shim in the background and exits at once, as a dying engine would.
	t.is(spawnSync('sh', ['-c', `setsid ${shimBinary()} run ${conf} 3>${answer} &`]).status, 0);
	for (let i = 0; i < 200 && !fs.existsSync(path.join(dir, 'exit')); i++) {
		// eslint-disable-next-line no-await-in-loop
		await sleep(50);
	}

	t.regex(fs.readFileSync(answer, 'utf8'), /^ok \d+\n$/);
	t.regex(fs.readFileSync(path.join(dir, 'log'), 'utf8'), /stdout F orphan\n/);
	t.regex(fs.readFileSync(path.join(dir, 'exit'), 'utf8'), /^0 0 \d+\n$/);
});

test('cleanup runs after the exit file is written', async t => {
	const marker = path.join(tempDir(t), 'cleaned');
	const container = await startContainer(t, {
		args: sh('exit 7'),
		records: dir => [['cleanup', 'sh', '-c', 'cp "$0" "$1"', path.join(dir, 'exit'), marker]],
	});
	await container.wait();
	t.regex(fs.readFileSync(marker, 'utf8'), /^7 0 \d+\n$/);
});

test('a client that answers EXIT with CLEANED spares the cleanup command', async t => {
	const marker = path.join(tempDir(t), 'cleaned');
	const container = await startContainer(t, {
		args: sh('exit 0'),
		records: [['wait_attach', 1], ['cleanup', 'touch', marker]],
	});
	const client = await AttachClient.connect(container.files.attach);
	client.answersCleaned = true;
	await client.closed;
	await container.wait();
	t.is(client.exitCode, 0);
	t.false(fs.existsSync(marker));
});

test('the CONF is checked: unknown keys and missing fields are errors', async t => {
	const dir = tempDir(t);
	const conf = path.join(dir, 'conf');
	const unknown = await startShim(conf, [['rootfs', dir], ['arg', 'true'], ['colour', 'blue']]);
	t.is(unknown.line, `err 125 invalid conf \`${conf}\`: unknown key \`colour\``);
	const fields = await startShim(conf, [['rootfs', dir], ['arg', 'true'], ['mount', 'a', '/b']]);
	t.is(fields.line, `err 125 invalid conf \`${conf}\`: wrong number of fields for \`mount\``);
	const relative = await startShim(conf, [['rootfs', 'here'], ['arg', 'true']]);
	t.is(relative.line, `err 125 invalid conf \`${conf}\`: \`rootfs\` path \`here\` is not absolute`);
});

test.after('no container left a mount on the host', t => {
	t.deepEqual(hostMountsUnder('berth-shim-'), []);
});
