import test from 'ava';
import {limiter, settleAll} from '../../source/registry/limit.js';

const tick = async () => new Promise(resolve => {
	setTimeout(resolve, 5);
});

test('a limiter runs at most its number at once, in order of arrival', async t => {
	const gate = limiter(2);
	let running = 0;
	let most = 0;
	const started: number[] = [];
	await Promise.all([0, 1, 2, 3, 4].map(async index => gate(async () => {
		started.push(index);
		running++;
		most = Math.max(most, running);
		await tick();
		running--;
	})));
	t.is(most, 2);
	t.deepEqual(started, [0, 1, 2, 3, 4]);
});

test('settleAll waits for every one before it throws the first failure', async t => {
	let finished = false;
	const error = await t.throwsAsync(settleAll([
		Promise.reject(new Error('first')),
		tick().then(() => {
			finished = true;
		}),
	]));
	t.is(error?.message, 'first');
	t.true(finished);
});
