/**
 * A headless xterm's screen as text lines with SGR escapes, for an Ink `<Text>` each: colours
 * (16, 256 and true colour), bold, dim, italic, underline, inverse, and the cursor drawn as an
 * inverse cell. Without colour (NO_COLOR) only the attributes are kept.
 */
import type {Terminal, IBufferCell} from '@xterm/headless';

type Style = {
	bold: boolean;
	dim: boolean;
	italic: boolean;
	underline: boolean;
	inverse: boolean;
	fg: string;
	bg: string;
};

const plain: Style = {bold: false, dim: false, italic: false, underline: false, inverse: false, fg: '', bg: ''};

const colorCode = (cell: IBufferCell, background: boolean): string => {
	if (background ? cell.isBgDefault() : cell.isFgDefault()) {
		return '';
	}

	const value = background ? cell.getBgColor() : cell.getFgColor();
	if (background ? cell.isBgRGB() : cell.isFgRGB()) {
		return `${background ? 48 : 38};2;${(value >> 16) & 255};${(value >> 8) & 255};${value & 255}`;
	}

	if (value < 8) {
		return String((background ? 40 : 30) + value);
	}

	if (value < 16) {
		return String((background ? 100 : 90) + value - 8);
	}

	return `${background ? 48 : 38};5;${value}`;
};

const sgr = (style: Style): string => {
	const codes = ['0'];
	if (style.bold) {
		codes.push('1');
	}

	if (style.dim) {
		codes.push('2');
	}

	if (style.italic) {
		codes.push('3');
	}

	if (style.underline) {
		codes.push('4');
	}

	if (style.inverse) {
		codes.push('7');
	}

	if (style.fg) {
		codes.push(style.fg);
	}

	if (style.bg) {
		codes.push(style.bg);
	}

	return `\u001B[${codes.join(';')}m`;
};

const sameStyle = (a: Style, b: Style): boolean =>
	a.bold === b.bold && a.dim === b.dim && a.italic === b.italic && a.underline === b.underline
	&& a.inverse === b.inverse && a.fg === b.fg && a.bg === b.bg;

export type ScreenOptions = {
	color: boolean;
	/** Draw the cursor (when the program has not hidden it). */
	cursor: boolean;
};

/** Whether the program in the terminal hid its cursor (DECTCEM); xterm keeps it off its public API. */
const cursorHidden = (terminal: Terminal): boolean =>
	Boolean((terminal as unknown as {_core?: {coreService?: {isCursorHidden?: boolean}}})._core?.coreService?.isCursorHidden);

/** The visible lines, each exactly `terminal.cols` cells wide. */
export const screenLines = (terminal: Terminal, options: ScreenOptions): string[] => {
	const buffer = terminal.buffer.active;
	const cell = buffer.getNullCell();
	const lines: string[] = [];
	const cursorRow = buffer.baseY + buffer.cursorY;
	const showCursor = options.cursor && !cursorHidden(terminal);
	for (let row = 0; row < terminal.rows; row++) {
		const y = buffer.viewportY + row;
		const line = buffer.getLine(y);
		let text = '';
		let current = plain;
		for (let x = 0; x < terminal.cols; x++) {
			line?.getCell(x, cell);
			const width = line ? cell.getWidth() : 1;
			if (width === 0) {
				continue;
			}

			const isCursor = showCursor && y === cursorRow && x === buffer.cursorX;
			const style: Style = line ? {
				bold: Boolean(cell.isBold()),
				dim: Boolean(cell.isDim()),
				italic: Boolean(cell.isItalic()),
				underline: Boolean(cell.isUnderline()),
				inverse: Boolean(cell.isInverse()) !== isCursor,
				fg: options.color ? colorCode(cell, false) : '',
				bg: options.color ? colorCode(cell, true) : '',
			} : {...plain, inverse: isCursor};
			if (!sameStyle(style, current)) {
				text += sgr(style);
				current = style;
			}

			const chars = line ? cell.getChars() : '';
			text += chars === '' ? ' ' : chars;
		}

		lines.push(sameStyle(current, plain) ? text : `${text}\u001B[0m`);
	}

	return lines;
};
