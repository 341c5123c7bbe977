import test from 'ava';
import {TerminalSession} from '../../source/ui/terminal-session.js';
import {lineChart, sparkline} from '../../source/ui/charts.js';

const until = async (check: () => boolean, timeoutMs = 5000): Promise<void> => {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) {
			throw new Error('timed out');
		}

		await new Promise(resolve => {
			setTimeout(resolve, 20);
		});
	}
};

test('a session runs its program on a pty and keeps its screen with colours and cursor', async t => {
	const session = new TerminalSession({
		kind: 'shell', title: 'sh', target: 'x', command: '/bin/sh', args: ['-c', 'printf "\\033[31mred\\033[0m plain\\n"; stty size; read line; echo "got $line"'],
		cols: 40, rows: 6,
	});
	t.teardown(() => session.close());
	await until(() => session.text().includes('6 40'));
	t.regex(session.lines({color: true, cursor: false})[0]!, /\u001B\[0;31mred\u001B\[0m plain/);
	t.notRegex(session.lines({color: false, cursor: false})[0]!, /31m/);
	// The cursor is an inverse cell on the line after the output.
	t.regex(session.lines({color: false, cursor: true})[2]!, /\u001B\[0;7m \u001B\[0m/);
	session.write('hello\r');
	await until(() => session.exit !== undefined);
	t.regex(session.text(), /got hello/);
	t.is(session.exit?.code, 0);
});

test('a session follows the pane\'s size', async t => {
	const session = new TerminalSession({kind: 'shell', title: 'sh', target: 'x', command: '/bin/sh', args: ['-c', 'read line; stty size'], cols: 30, rows: 5});
	t.teardown(() => session.close());
	session.resize(50, 8);
	session.write('\r');
	await until(() => session.text().includes('8 50'));
	t.is(session.cols, 50);
});

test('charts are drawn off-screen into text of the asked size', t => {
	const text = lineChart({label: 'CPU 3%', width: 40, height: 8, color: false, series: [{title: 'cpu', values: [1, 5, 2, 8], color: 'green'}]});
	const lines = text.split('\n');
	t.is(lines.length, 8);
	t.regex(text, /CPU 3%/);
	t.regex(text, /[⡀-⣿]/);
	t.notRegex(text, /\u001B/);
	t.is(sparkline([0, 1, 2, 4], 4), '▁▂▄█');
});
