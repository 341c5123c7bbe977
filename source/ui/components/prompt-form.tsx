import React, {useState} from 'react';
import {Box, Text, useInput} from 'ink';

export type Field = {name: string; label: string; value: string; hint?: string};

export type FormRequest = {
	title: string;
	fields: Field[];
	/** A question answered with y or n, when there are no fields. */
	confirm?: boolean;
	submit: (values: Record<string, string>) => void;
	/** Called as the first field is typed (a live filter). */
	change?: (value: string) => void;
	cancel?: () => void;
};

type Props = {
	request: FormRequest;
	width: number;
	close: () => void;
};

/**
 * A small form: fields typed in place, Tab or arrows between them, Enter submits, Escape
 * cancels. Without fields it is a y/n question.
 */
export const PromptForm = ({request, width, close}: Props) => {
	const [values, setValues] = useState(() => request.fields.map(field => field.value));
	const [current, setCurrent] = useState(0);

	const finish = (ok: boolean): void => {
		close();
		if (ok) {
			request.submit(Object.fromEntries(request.fields.map((field, index) => [field.name, values[index]!.trim()])));
		} else {
			request.cancel?.();
		}
	};

	useInput((input, key) => {
		if (request.confirm) {
			finish(input === 'y' || input === 'Y');
			return;
		}

		if (key.escape) {
			finish(false);
		} else if (key.return) {
			finish(true);
		} else if (key.tab || key.downArrow || key.upArrow) {
			const step = key.upArrow || (key.tab && key.shift) ? -1 : 1;
			setCurrent(previous => (previous + step + values.length) % values.length);
		} else {
			const edit = (value: string): string => {
				if (key.backspace || key.delete) {
					return value.slice(0, -1);
				}

				if (key.ctrl && input === 'u') {
					return '';
				}

				return key.ctrl || key.meta ? value : value + input.replaceAll(/[\r\n]/g, '');
			};

			const next = values.map((value, index) => index === current ? edit(value) : value);
			setValues(next);
			if (current === 0 && next[0] !== values[0]) {
				request.change?.(next[0]!);
			}
		}
	});

	const labelWidth = Math.max(0, ...request.fields.map(field => field.label.length)) + 2;
	return (
		<Box flexDirection='column' width={width} borderStyle='round' paddingX={1}>
			<Text bold wrap='truncate-end'>{request.title}</Text>
			{request.fields.map((field, index) => (
				<Text key={field.name} wrap='truncate-start'>
					<Text bold={index === current}>{`${field.label}:`.padEnd(labelWidth)}</Text>
					<Text inverse={index === current}>{`${values[index]}${index === current ? '▏' : ''}`}</Text>
					{field.hint && values[index] === '' ? <Text dimColor>{` ${field.hint}`}</Text> : null}
				</Text>
			))}
			<Text dimColor wrap='truncate-end'>{request.confirm ? 'y: yes  any other key: no' : 'Enter: ok  Esc: cancel  Tab: next field'}</Text>
		</Box>
	);
};
