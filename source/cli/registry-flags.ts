/** The flag every registry command shares. */
import type {Command} from 'commander';
import {BerthError} from '../engine/errors.js';

const parseBoolean = (value: string): boolean => {
	if (!/^(?:true|false)$/.test(value)) {
		throw new BerthError('INVALID_ARGUMENT', `invalid value \`${value}\` for --tls-verify: expected true or false`);
	}

	return value === 'true';
};

/** --tls-verify[=false]: podman's spelling of Docker's insecure-registries setting. */
export const addTlsVerify = (command: Command): Command =>
	command.option('--tls-verify [bool]', 'require HTTPS and verify the registry\'s certificate (default true; false also allows plain HTTP)', parseBoolean);

export type TlsFlags = {tlsVerify?: boolean};
