import test from 'ava';
import stringWidth from 'string-width';
import width from '../../source/ui/string-width.js';

test('the bundle\'s string-width counts as string-width does', t => {
	const differ: string[] = [];
	for (let code = 0; code <= 0x2FFF; code++) {
		const text = String.fromCodePoint(code);
		if (width(text) !== stringWidth(text)) {
			differ.push(code.toString(16));
		}
	}

	t.deepEqual(differ, []);
	for (const text of ['› c200  bench:0', 'name…', '│ ─── ╭╮ █░▏', 'a\u0301b', '\u001B[1mbold\u001B[22m', '日本語', '👍🏽 ok', '⌨ shell', 'x\u00ADy', '']) {
		t.is(width(text), stringWidth(text), text);
	}

	t.is(width('\u001B[1mbold\u001B[22m', {countAnsiEscapeCodes: true}), stringWidth('\u001B[1mbold\u001B[22m', {countAnsiEscapeCodes: true}));
	t.is(width('…─█', {ambiguousIsNarrow: false}), stringWidth('…─█', {ambiguousIsNarrow: false}));
});
