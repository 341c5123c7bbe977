import test from 'ava';
import {parseBytes, parseCpus, parseDuration, parseInteger} from '../../source/runtime/units.js';

test('sizes use binary multipliers, as Docker\'s RAMInBytes', t => {
	t.is(parseBytes('512m'), 512 * 1024 * 1024);
	t.is(parseBytes('1g'), 1024 ** 3);
	t.is(parseBytes('1G'), 1024 ** 3);
	t.is(parseBytes('100000b'), 100_000);
	t.is(parseBytes('100000'), 100_000);
	t.is(parseBytes('1.5k'), 1536);
	t.is(parseBytes('64MiB'), 64 * 1024 * 1024);
	t.is(parseBytes('2 GB'), 2 * 1024 ** 3);
	t.throws(() => parseBytes('-1m'), {message: /^invalid size `-1m`/});
	t.throws(() => parseBytes('1x'), {code: 'INVALID_ARGUMENT'} as never);
	t.throws(() => parseBytes(''), {message: /^invalid size ``/});
});

test('cpus allow fractions down to a billionth', t => {
	t.is(parseCpus('1.5'), 1.5);
	t.is(parseCpus('2'), 2);
	t.is(parseCpus('.5'), 0.5);
	t.is(parseCpus('0.000000001'), 1e-9);
	t.throws(() => parseCpus('0.0000000001'), {message: /too precise/});
	t.throws(() => parseCpus('one'), {message: /^invalid cpus `one`/});
	t.throws(() => parseCpus('-1'), {message: /^invalid cpus `-1`/});
});

test('integers', t => {
	t.is(parseInteger('100', 'pids-limit'), 100);
	t.is(parseInteger('-1', 'pids-limit'), -1);
	t.throws(() => parseInteger('1.5', 'pids-limit'), {message: 'invalid pids-limit `1.5`: expected a whole number'});
});

test('Go durations, in milliseconds', t => {
	t.is(parseDuration('10m'), 600_000);
	t.is(parseDuration('1h30m'), 5_400_000);
	t.is(parseDuration('1.5s'), 1500);
	t.is(parseDuration('250ms'), 250);
	t.is(parseDuration('-2h'), -7_200_000);
	t.is(parseDuration('0'), 0);
	t.is(parseDuration('1500us'), 1.5);
	t.throws(() => parseDuration('10'), {message: /^invalid duration `10`/});
	t.throws(() => parseDuration('10m5'), {message: /^invalid duration `10m5`/});
	t.throws(() => parseDuration('h'), {message: /^invalid duration `h`/});
	t.throws(() => parseDuration(''), {message: /^invalid duration ``/});
});
