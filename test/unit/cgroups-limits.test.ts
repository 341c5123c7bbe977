import test from 'ava';
import {checkLimits} from '../../source/runtime/cgroups/limits.js';

test('limits within Docker\'s bounds pass', t => {
	t.notThrows(() => {
		checkLimits({memory: 6 * 1024 * 1024, cpus: 0.01, cpuShares: 2, pidsLimit: -1}, 1);
	});
	t.notThrows(() => {
		checkLimits({cpus: 4, cpuShares: 262_144}, 4);
	});
});

test('messages name the value as a user would have typed it', t => {
	t.throws(() => {
		checkLimits({memory: 1024}, 4);
	}, {message: 'invalid memory limit `1k`: minimum is 6MB'});
	t.throws(() => {
		checkLimits({memory: 5 * 1024 * 1024}, 4);
	}, {message: 'invalid memory limit `5m`: minimum is 6MB'});
	t.throws(() => {
		checkLimits({memory: 1536}, 4);
	}, {message: 'invalid memory limit `1536`: minimum is 6MB'});
	t.throws(() => {
		checkLimits({cpus: 3}, 2);
	}, {message: 'invalid cpus `3`: only 2 CPUs are available'});
	t.throws(() => {
		checkLimits({cpuShares: 300_000}, 2);
	}, {message: 'invalid cpu-shares `300000`: must be from 2 to 262144'});
});
