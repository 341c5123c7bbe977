import React from 'react';
import {Box, Text, type Key} from 'ink';

export type Field = {name: string; label: string; value: string; hint?: string; secret?: boolean};

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

export type FormState = {request: FormRequest; values: string[]; current: number};

export const formState = (request: FormRequest): FormState => ({request, values: request.fields.map(field => field.value), current: 0});

/**
 * A key typed into a form: fields are edited in place, Tab or arrows move between them, Enter
 * submits, Escape cancels; without fields it is a y/n question. Pure, so keys typed faster
 * than frames each apply to what the one before left.
 */
export const formKey = (state: FormState, input: string, key: Key): {state: FormState; done?: 'submit' | 'cancel'; rest?: string} => {
	if (state.request.confirm) {
		return {state, done: input === 'y' || input === 'Y' ? 'submit' : 'cancel'};
	}

	if (key.escape) {
		return {state, done: 'cancel'};
	}

	if (key.return) {
		return {state, done: 'submit'};
	}

	// Text typed fast with its Enter comes as one string: type the text, then submit; what
	// follows the Enter is keys for after the form (`rest`).
	const enter = input.length > 1 ? input.search(/[\r\n]/) : -1;
	if (enter >= 0) {
		return {state: formKey(state, input.slice(0, enter), key).state, done: 'submit', rest: input.slice(enter + 1)};
	}

	const {values, current} = state;
	if (key.tab || key.downArrow || key.upArrow) {
		const step = key.upArrow || (key.tab && key.shift) ? -1 : 1;
		return {state: {...state, current: (current + step + values.length) % values.length}};
	}

	let value = values[current] ?? '';
	if (key.backspace || key.delete) {
		value = value.slice(0, -1);
	} else if (key.ctrl && input === 'u') {
		value = '';
	} else if (!key.ctrl && !key.meta) {
		value += input.replaceAll(/[\r\n]/g, '');
	}

	return {state: {...state, values: values.map((item, index) => index === current ? value : item)}};
};

/** The values a form was submitted with, by field name. */
export const formValues = (state: FormState): Record<string, string> =>
	Object.fromEntries(state.request.fields.map((field, index) => [field.name, state.values[index]!.trim()]));

type Props = {state: FormState; width: number};

export const PromptForm = ({state, width}: Props) => {
	const {request, values, current} = state;
	const labelWidth = Math.max(0, ...request.fields.map(field => field.label.length)) + 2;
	return (
		<Box flexDirection='column' width={width} borderStyle='round' paddingX={1}>
			<Text bold wrap='truncate-end'>{request.title}</Text>
			{request.fields.map((field, index) => (
				<Text key={field.name} wrap='truncate-start'>
					<Text bold={index === current}>{`${field.label}:`.padEnd(labelWidth)}</Text>
					<Text inverse={index === current}>{`${field.secret ? '•'.repeat(values[index]!.length) : values[index]}${index === current ? '▏' : ''}`}</Text>
					{field.hint && values[index] === '' ? <Text dimColor>{` ${field.hint}`}</Text> : null}
				</Text>
			))}
			<Text dimColor wrap='truncate-end'>{request.confirm ? 'y: yes  any other key: no' : 'Enter: ok  Esc: cancel  Tab: next field'}</Text>
		</Box>
	);
};
