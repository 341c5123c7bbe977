import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {cpuCount, hostMemoryTotal, isAlive, processStartTime, processTable} from '../../source/runtime/procfs.js';

// STIME is local time, as in ps; pin the zone so the expected strings hold anywhere.
process.env.TZ = 'UTC';

/** 2027-01-15T08:00:00Z */
const bootTime = 1_800_000_000;

type FakeProcess = {pid: number; comm: string; state?: string; ppid?: number; tty?: number; utime?: number; stime?: number; start: number; uid?: number; cmdline?: string[]};

const makeProc = (processes: FakeProcess[]): string => {
	const proc = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-proc-'));
	fs.writeFileSync(path.join(proc, 'stat'), `cpu  1 2 3 4\ncpu0 1 2 3 4\nintr 0\nbtime ${bootTime}\nprocesses 100\n`);
	fs.writeFileSync(path.join(proc, 'meminfo'), 'MemTotal:        8048576 kB\nMemFree:         1000000 kB\n');
	fs.mkdirSync(path.join(proc, 'self'));
	fs.writeFileSync(path.join(proc, 'self/status'), 'Name:\tnode\nCpus_allowed_list:\t0-3,8,10-11\n');
	for (const p of processes) {
		const dir = path.join(proc, String(p.pid));
		fs.mkdirSync(dir);
		fs.writeFileSync(path.join(dir, 'stat'), `${p.pid} (${p.comm}) ${p.state ?? 'S'} ${p.ppid ?? 1} ${p.pid} ${p.pid} ${p.tty ?? 0} -1 4194304 100 0 0 0 ${p.utime ?? 0} ${p.stime ?? 0} 0 0 20 0 1 0 ${p.start} 3133440 393 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n`);
		fs.writeFileSync(path.join(dir, 'status'), `Name:\t${p.comm}\nState:\tS (sleeping)\nUid:\t0\t${p.uid ?? 0}\t0\t0\nGid:\t0\t0\t0\t0\n`);
		fs.writeFileSync(path.join(dir, 'cmdline'), (p.cmdline ?? []).map(arg => `${arg}\0`).join(''));
	}

	return proc;
};

const withProc = (t: import('ava').ExecutionContext, processes: FakeProcess[]): string => {
	const proc = makeProc(processes);
	t.teardown(() => {
		fs.rmSync(proc, {recursive: true});
	});
	return proc;
};

test('start time is field 22, counted past a command name holding spaces and parentheses', t => {
	const proc = withProc(t, [{pid: 7, comm: 'a) b (c) S 9', start: 424_242}]);
	t.is(processStartTime(7, proc), 424_242);
	t.is(processStartTime(8, proc), undefined);
});

test('isAlive tells a live process from one whose pid was reused, or a zombie', t => {
	const proc = withProc(t, [{pid: 7, comm: 'berth-shim', start: 500}, {pid: 9, comm: 'zombie', state: 'Z', start: 600}]);
	t.true(isAlive(7, 500, proc));
	t.false(isAlive(7, 501, proc));
	t.false(isAlive(9, 600, proc));
	t.false(isAlive(10, 500, proc));
});

test('isAlive on the real /proc follows a real child', async t => {
	const child = spawn('sleep', ['30'], {stdio: 'ignore'});
	const pid = child.pid!;
	t.teardown(() => child.kill('SIGKILL'));
	const start = processStartTime(pid);
	t.is(typeof start, 'number');
	t.true(isAlive(pid, start!));
	t.true(isAlive(process.pid, processStartTime(process.pid)!));
	const exited = new Promise(resolve => child.once('exit', resolve));
	child.kill('SIGKILL');
	await exited;
	t.false(isAlive(pid, start!));
});

test('host memory and the CPUs this process may use', t => {
	const proc = withProc(t, []);
	t.is(hostMemoryTotal(proc), 8_048_576 * 1024);
	t.is(cpuCount(proc), 7);
	t.true(hostMemoryTotal() > 0);
	t.is(cpuCount(), os.availableParallelism());
});

test('the process table reads like ps -ef', t => {
	const passwd = path.join(withProc(t, []), 'passwd');
	fs.writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n');
	const proc = withProc(t, [
		// Started an hour after boot, 36 s of CPU in the hour since: 1% of a CPU.
		{pid: 100, comm: 'sh', ppid: 1, start: 360_000, utime: 1800, stime: 1800, uid: 1000, tty: (136 << 8) | 3, cmdline: ['/bin/sh', '-c', 'sleep 1000']},
		{pid: 101, comm: 'kworker/0:1', ppid: 2, start: 0, uid: 4242},
		{pid: 102, comm: 'busy', start: 719_000, utime: 100_000, tty: (4 << 8) | 65, cmdline: ['busy']},
	]);
	const now = new Date((bootTime + 7200) * 1000);
	t.deepEqual(processTable([100, 101, 102, 103], {proc, passwd, now}), {
		titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
		rows: [
			['user', '100', '1', '1', '09:00', 'pts/3', '00:00:36', '/bin/sh -c sleep 1000'],
			['4242', '101', '2', '0', '08:00', '?', '00:00:00', '[kworker/0:1]'],
			['root', '102', '1', '99', '09:59', 'ttyS1', '00:16:40', 'busy'],
		],
	});
	const later = new Date((bootTime + (3 * 86_400)) * 1000);
	t.is(processTable([101], {proc, passwd, now: later}).rows[0]![4], 'Jan15');
	const nextYear = new Date((bootTime + (365 * 86_400)) * 1000);
	t.is(processTable([101], {proc, passwd, now: nextYear}).rows[0]![4], '2027');
});

test('the process table of real processes', t => {
	const table = processTable([process.pid]);
	t.is(table.rows.length, 1);
	t.is(table.rows[0]![1], String(process.pid));
	t.regex(table.rows[0]![7]!, /node/);
});
