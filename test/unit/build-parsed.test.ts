import {createHash} from 'node:crypto';
import fs from 'node:fs';
import {createRequire} from 'node:module';
import os from 'node:os';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {parseDockerfile} from '../../source/build/dockerfile.js';
import {ParsedDockerfiles, parseFormat} from '../../source/build/parsed.js';
import {projectRoot} from '../helpers/berth.js';

const text = 'ARG BASE=busybox\nFROM $BASE AS build\nCOPY --chown=1:2 --from=build a /b/\nONBUILD RUN echo triggered\nHEALTHCHECK --interval=5s CMD true\n';

const makeRoot = (t: ExecutionContext) => {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-parsed-'));
	t.teardown(() => fs.rmSync(root, {recursive: true, force: true}));
	return root;
};

const records = (root: string) => fs.existsSync(path.join(root, 'build', 'parsed')) ? fs.readdirSync(path.join(root, 'build', 'parsed')) : [];

test('a Dockerfile is parsed once: the next build of the same text reads what the parse gave', async t => {
	const root = makeRoot(t);
	const first = await new ParsedDockerfiles(root).dockerfile(text);
	t.deepEqual(first, parseDockerfile(text));
	const [record] = records(root);
	t.truthy(record);
	t.deepEqual(await new ParsedDockerfiles(root).dockerfile(text), first);
	// What the record says is what the build gets: the parser did not run again.
	const file = path.join(root, 'build', 'parsed', record!);
	fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('FROM $BASE AS build', 'FROM $BASE AS remembered'));
	t.is((await new ParsedDockerfiles(root).dockerfile(text)).stages[0]!.from.text, 'FROM $BASE AS remembered');
	// Another text is another record.
	await new ParsedDockerfiles(root).dockerfile(`${text}CMD ["x"]\n`);
	t.is(records(root).length, 2);
});

test('a Dockerfile that does not parse is refused every time, and not remembered', async t => {
	const root = makeRoot(t);
	for (let i = 0; i < 2; i++) {
		await t.throwsAsync(new ParsedDockerfiles(root).dockerfile('FROM a\nONBUILD FROM b\n'), {message: 'Dockerfile line 2: `FROM` is not allowed as an ONBUILD trigger'});
	}

	t.deepEqual(records(root), []);
});

test('a record that is not readable JSON is parsed again and written anew', async t => {
	const root = makeRoot(t);
	await new ParsedDockerfiles(root).dockerfile(text);
	const [record] = records(root);
	fs.writeFileSync(path.join(root, 'build', 'parsed', record!), '{"dockerfile": {"glo');
	t.deepEqual(await new ParsedDockerfiles(root).dockerfile(text), parseDockerfile(text));
	t.deepEqual(await new ParsedDockerfiles(root).dockerfile(text), parseDockerfile(text));
});

test('ONBUILD triggers are parsed and remembered too', async t => {
	const root = makeRoot(t);
	const [trigger] = await new ParsedDockerfiles(root).instructions('COPY --chown=1 a b');
	t.is(trigger!.keyword, 'COPY');
	t.deepEqual([...trigger!.flags], [['chown', '1']]);
	t.deepEqual(await new ParsedDockerfiles(root).instructions('COPY --chown=1 a b'), [trigger]);
	t.is(records(root).length, 1);
});

// Remembered parses are keyed by parseFormat: a parser that reads the same text otherwise must change it.
test('the parser is the one parseFormat names', t => {
	const version = (createRequire(import.meta.url)('dockerfile-ast/package.json') as {version: string}).version;
	const source = createHash('sha256').update(fs.readFileSync(path.join(projectRoot, 'source/build/dockerfile.ts'))).digest('hex');
	const message = 'the parser changed: if dockerfile.ts now returns anything else for some text, bump parseFormat in source/build/parsed.ts; then update this test';
	t.is(version, '0.7.1', message);
	t.is(parseFormat, 'dockerfile-ast 0.7.1, berth 1', message);
	t.is(source, '16e4a45e30feaba0b4bb38668b2c0dd2a4870a875feed47e41eb2b3c535f4f5f', message);
});
