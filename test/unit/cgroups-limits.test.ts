import test from 'ava';
import {parseLimits} from '../../source/runtime/cgroups/limits.js';

test('flags parse as Docker parses them', t => {
	t.deepEqual(parseLimits({memory: '512m', cpus: '1.5', cpuShares: '512', pidsLimit: '100'}, 4), {
		memory: 512 * 1024 * 1024,
		cpus: 1.5,
		cpuShares: 512,
		pidsLimit: 100,
	});
	t.deepEqual(parseLimits({memory: '1g', privileged: true}, 4), {memory: 1024 ** 3, privileged: true});
	t.deepEqual(parseLimits({memory: '100000000b'}, 4), {memory: 100_000_000});
});

test('zero means no limit, as in Docker', t => {
	t.deepEqual(parseLimits({memory: '0', cpus: '0', cpuShares: '0'}, 4), {});
});

test('messages quote the value as typed', t => {
	t.throws(() => parseLimits({memory: '1k'}, 4), {message: 'invalid memory limit `1k`: minimum is 6MB'});
	t.throws(() => parseLimits({memory: 'lots'}, 4), {message: /^invalid memory limit `lots`: expected a number/});
	t.throws(() => parseLimits({cpus: '3'}, 2), {message: 'invalid cpus `3`: only 2 CPUs are available'});
	t.throws(() => parseLimits({cpus: '0.001'}, 2), {message: 'invalid cpus `0.001`: minimum is 0.01'});
	t.throws(() => parseLimits({cpuShares: '300000'}, 2), {message: 'invalid cpu-shares `300000`: must be from 2 to 262144'});
	t.throws(() => parseLimits({pidsLimit: 'ten'}, 2), {message: 'invalid pids-limit `ten`: expected a whole number'});
});
