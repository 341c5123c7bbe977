import test from 'ava';
import {applyConfigStep} from '../../source/build/config-steps.js';
import {parseDockerfile, parseInstructions} from '../../source/build/dockerfile.js';
import {BuildArgs} from '../../source/build/variables.js';

const one = (line: string) => parseInstructions(line)[0]!;

test('a Dockerfile parses into global ARGs and stages, continuation lines joined', t => {
	const file = parseDockerfile('# a comment\nARG BASE=busybox\nFROM $BASE AS Build\nRUN echo a && \\\n    echo b\nCOPY --chown=1:2 --from=build a /b/\nfrom scratch\nCMD ["x"]\n');
	t.deepEqual(file.globalArgs.map(instruction => instruction.text), ['ARG BASE=busybox']);
	t.deepEqual(file.stages.map(stage => [stage.base, stage.name, stage.instructions.length]), [['$BASE', 'build', 2], ['scratch', undefined, 1]]);
	const [run, copy] = file.stages[0]!.instructions;
	t.is(run!.args, 'echo a &&     echo b');
	t.is(copy!.text, 'COPY --chown=1:2 --from=build a /b/');
	t.deepEqual([...copy!.flags], [['chown', '1:2'], ['from', 'build']]);
	t.is(copy!.line, 6);
});

test('what a Dockerfile cannot say is refused with its line', t => {
	t.throws(() => parseDockerfile('RUN true\n'), {message: /line 1: a Dockerfile must begin with FROM/});
	t.throws(() => parseDockerfile('FROM a\nFETCH x\n'), {message: 'Dockerfile line 2: unknown instruction `FETCH`'});
	t.throws(() => parseDockerfile('FROM a\nENV\n'), {message: 'Dockerfile line 2: `ENV` requires at least one argument'});
	t.throws(() => parseDockerfile('FROM a\nRUN --mount=type=cache,target=/x true\n'), {message: /`RUN` does not support the flag `--mount`/});
	t.throws(() => parseDockerfile('FROM a AS x\nFROM b AS X\n'), {message: /duplicate stage name `x`/});
	t.throws(() => parseDockerfile('# escape=`\nFROM a\n'), {code: 'NOT_SUPPORTED'});
});

test('build arguments reach a stage only through its ARG, and ENV wins over them', t => {
	const args = new BuildArgs(new Map([['VERSION', '2'], ['UNUSED', 'x']]));
	args.declareGlobal(one('ARG VERSION=1'));
	args.declareGlobal(one('ARG BASE=img:$VERSION'));
	t.is(args.globalLookup('BASE'), 'img:2');
	const stage = args.stage();
	t.is(stage.lookup([])('VERSION'), undefined);
	stage.declare(one('ARG VERSION'), []);
	stage.declare(one('ARG NAME=n-$VERSION OTHER'), []);
	t.is(stage.lookup([])('NAME'), 'n-2');
	t.is(stage.lookup(['VERSION=env'])('VERSION'), 'env');
	t.deepEqual(stage.runEnv(['NAME=from-env']), ['VERSION=2']);
	t.deepEqual(args.unused(), ['UNUSED']);
});

test('config instructions change the config as Docker does', t => {
	const state = {cmdSet: false};
	const args = new BuildArgs(new Map()).stage();
	args.declare(one('ARG DIR=/srv'), []);
	const apply = (config: object, line: string) => applyConfigStep(one(line), config, args.lookup((config as {Env?: string[]}).Env), state);
	let config = apply({}, 'WORKDIR $DIR/app');
	t.is(config.WorkingDir, '/srv/app');
	config = apply(config, 'SHELL ["/bin/bash", "-c"]');
	config = apply(config, 'CMD run it');
	t.deepEqual(config.Cmd, ['/bin/bash', '-c', 'run it']);
	// CMD came first in this stage: ENTRYPOINT keeps it.
	config = apply(config, 'ENTRYPOINT ["/entry"]');
	t.deepEqual(config.Cmd, ['/bin/bash', '-c', 'run it']);
	config = apply(config, 'HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s --retries=3 CMD ["/check", "x"]');
	t.deepEqual(config.Healthcheck, {Test: ['CMD', '/check', 'x'], Interval: 90e9, Timeout: 5e8, StartPeriod: 2e9, Retries: 3});
	t.deepEqual(apply(config, 'HEALTHCHECK NONE').Healthcheck, {Test: ['NONE']});
	t.throws(() => apply(config, 'HEALTHCHECK --interval=soon CMD true'), {message: /invalid duration `soon` for --interval/});
	t.deepEqual(apply(config, 'ONBUILD COPY . /app').OnBuild, ['COPY . /app']);
	t.throws(() => apply(config, 'ONBUILD FROM x'), {message: /`FROM` is not allowed as an ONBUILD trigger/});
	t.throws(() => apply(config, 'SHELL /bin/sh -c'), {message: /JSON array/});
});

test('an ONBUILD trigger is checked when the Dockerfile is parsed', t => {
	t.throws(() => parseDockerfile('FROM a\nRUN true\nONBUILD FROM b\n'), {message: 'Dockerfile line 3: `FROM` is not allowed as an ONBUILD trigger'});
	t.throws(() => parseDockerfile('FROM a\nONBUILD ONBUILD RUN true\n'), {message: /`ONBUILD` is not allowed as an ONBUILD trigger/});
	t.throws(() => parseDockerfile('FROM a\nONBUILD FETCH x\n'), {message: /unknown instruction `FETCH`/});
	t.deepEqual(parseDockerfile('FROM a\nONBUILD RUN true\n').stages[0]!.instructions.map(instruction => instruction.args), ['RUN true']);
});
