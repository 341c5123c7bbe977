/**
 * Certificates made for a test with openssl: a CA, a server certificate it signs for the
 * loopback addresses, and a self-signed key pair for signing registry tokens.
 */
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export type KeyPair = {cert: string; key: string};

const openssl = (...args: string[]) => execFileSync('openssl', args, {stdio: ['ignore', 'ignore', 'pipe']});

/** A self-signed certificate: a CA, or a token signer the registry trusts as it is. */
export const makeSelfSigned = (dir: string, name: string): KeyPair => {
	fs.mkdirSync(dir, {recursive: true});
	const pair = {cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`)};
	openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2', '-subj', `/CN=${name}`,
		'-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,digitalSignature',
		'-keyout', pair.key, '-out', pair.cert);
	return pair;
};

/** A server certificate for 127.0.0.1 and localhost, signed by `ca`. */
export const makeServerCert = (dir: string, ca: KeyPair): KeyPair => {
	const pair = {cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key')};
	const request = path.join(dir, 'server.csr');
	const extensions = path.join(dir, 'server.ext');
	fs.writeFileSync(extensions, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
	openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', pair.key, '-out', request);
	openssl('x509', '-req', '-in', request, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '2', '-sha256',
		'-extfile', extensions, '-out', pair.cert);
	return pair;
};
