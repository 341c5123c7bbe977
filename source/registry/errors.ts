/**
 * A registry's refusals as BerthErrors: the distribution spec's error codes (in the JSON body)
 * and bare HTTP statuses become one line that says what failed and what to do about it. The
 * pull or push that met the error puts the image's name in front (`inContext`).
 */
import {BerthError, isBerthError} from '../engine/errors.js';
import type {Answer} from './transport.js';

/** What the failed request was about, for the message. */
export type Subject = {
	domain: string;
	repository: string;
	/** The tag, digest or blob the request named, if any. */
	object?: string;
	/** Where the registry's CA would go. */
	certsDir?: string;
};

/** The end of every message about a certificate or scheme problem, which no retry fixes. */
export const tlsAdvice = 'or use --tls-verify=false';

const caAdvice = (certsDir: string | undefined, domain: string) =>
	`put its CA in ${certsDir ?? 'certs.d'}/${domain}/ca.crt, ${tlsAdvice}`;

type RegistryErrorBody = {errors?: Array<{code?: string; message?: string}>};

const errorCode = (text: string): {code?: string; message?: string} => {
	try {
		return (JSON.parse(text) as RegistryErrorBody).errors?.[0] ?? {};
	} catch {
		return {};
	}
};

const login = (domain: string) => `run \`berth login ${domain}\``;

/** The BerthError for a response the caller did not expect. */
export const responseError = async (response: Answer, subject: Subject): Promise<BerthError> => {
	const {domain, repository, object} = subject;
	const text = await response.text().catch(() => '');
	const {code, message} = errorCode(text);
	const said = message ? `: ${message}` : '';
	// Go's answer to plain HTTP on a TLS port: no registry header, and a body only for a GET.
	if (response.status === 400 && response.url.startsWith('http:') && (text.includes('HTTPS server') || response.header('docker-distribution-api-version') === undefined)) {
		return new BerthError('REGISTRY_UNAVAILABLE', `${domain} speaks HTTPS: ${caAdvice(subject.certsDir, domain)}`);
	}

	if (code === 'UNAUTHORIZED' || response.status === 401) {
		return new BerthError('REGISTRY_UNAUTHORIZED', `${domain} asks for authentication for \`${repository}\`: ${login(domain)} with an account that has access`);
	}

	if (code === 'DENIED' || response.status === 403) {
		return new BerthError('REGISTRY_DENIED', `${domain} denied access to \`${repository}\`${said}: ${login(domain)} as a user allowed to use it`);
	}

	if (code === 'TOOMANYREQUESTS' || response.status === 429) {
		return new BerthError('REGISTRY_UNAVAILABLE', `${domain} answered too many requests: wait a while and try again, or log in for a higher limit`);
	}

	switch (code) {
		case 'NAME_UNKNOWN': {
			return new BerthError('REGISTRY_NOT_FOUND', `repository \`${repository}\` does not exist on ${domain}: check the name, or ${login(domain)} if it is private`);
		}

		case 'MANIFEST_UNKNOWN': {
			return new BerthError('REGISTRY_NOT_FOUND', `manifest \`${object ?? ''}\` of \`${repository}\` is not on ${domain}: check the tag or digest`);
		}

		case 'BLOB_UNKNOWN':
		case 'BLOB_UPLOAD_UNKNOWN': {
			return new BerthError('REGISTRY_NOT_FOUND', `blob \`${object ?? ''}\` of \`${repository}\` is not on ${domain}${said}: push the image again`);
		}

		case 'DIGEST_INVALID': {
			return new BerthError('DIGEST_MISMATCH', `${domain} found that \`${object ?? ''}\` does not match its digest${said}: try again`);
		}

		default: {
			break;
		}
	}

	if (response.status >= 500) {
		return new BerthError('REGISTRY_UNAVAILABLE', `${domain} failed with ${response.status} ${response.statusText}${said}: try again later`);
	}

	if (response.status === 404) {
		return new BerthError('REGISTRY_NOT_FOUND', `\`${object ?? repository}\` is not on ${domain} (404): check the name`);
	}

	return new BerthError('INVALID_ARGUMENT', `${domain} refused \`${object ?? repository}\` with ${response.status}${code ? ` ${code}` : ''}${said}`);
};

/** Why a connection failed: the code of the error or of the first cause in its chain that has one. */
export const networkCode = (error: unknown): string | undefined => {
	let current: unknown = error;
	while (typeof current === 'object' && current !== null) {
		const {code} = current as {code?: unknown};
		if (typeof code === 'string') {
			return code;
		}

		current = (current as {cause?: unknown}).cause;
	}

	return undefined;
};

const tlsCodes = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(?:GET|VERIFY)/;

/** The innermost cause's message, for an error without a code. */
const innermost = (error: unknown): string => {
	let current = error as {message?: string; cause?: unknown};
	while (typeof current.cause === 'object' && current.cause !== null) {
		current = current.cause as typeof current;
	}

	return current.message ?? String(error);
};

/** A connection that could not be made or broke, said plainly. */
export const networkError = (error: unknown, domain: string, certsDir: string): BerthError => {
	const code = networkCode(error) ?? innermost(error);
	if (tlsCodes.test(code)) {
		return new BerthError('REGISTRY_UNAVAILABLE', `the TLS certificate of ${domain} is not trusted (${code}): ${caAdvice(certsDir, domain)}`, {cause: error});
	}

	return new BerthError('REGISTRY_UNAVAILABLE', `cannot reach ${domain} (${code}): check that the registry is up and try again`, {cause: error});
};

/** The same error with the operation and the image named in front: `cannot pull \`x:1\`: ...`. */
export const inContext = (error: unknown, action: string, image: string): unknown => {
	if (!isBerthError(error)) {
		return error;
	}

	return new BerthError(error.code, `cannot ${action} \`${image}\`: ${error.message}`, {cause: error});
};
