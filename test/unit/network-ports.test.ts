import test from 'ava';
import {parsePublish, portBindings, portLines, portsSetting, portsText, type PortMapping} from '../../source/network/ports.js';

test('-p takes Docker\'s forms', t => {
	t.deepEqual(parsePublish('80'), {key: '80/tcp', HostIp: '', HostPort: ''});
	t.deepEqual(parsePublish('8080:80'), {key: '80/tcp', HostIp: '', HostPort: '8080'});
	t.deepEqual(parsePublish('127.0.0.1:8080:80/udp'), {key: '80/udp', HostIp: '127.0.0.1', HostPort: '8080'});
	t.deepEqual(parsePublish('127.0.0.1::80'), {key: '80/tcp', HostIp: '127.0.0.1', HostPort: ''});
});

test('a bad -p names the value', t => {
	t.throws(() => parsePublish('8080:99999'), {code: 'INVALID_ARGUMENT', message: /`99999`/});
	t.throws(() => parsePublish('80/sctp'), {message: /`sctp`/});
	t.throws(() => parsePublish('localhost:80:80'), {message: /`localhost`/});
	t.throws(() => parsePublish('8000-8010:80'), {message: /`8000-8010:80`/});
	t.throws(() => parsePublish('1:2:3:4'), {message: /`1:2:3:4`/});
});

test('bindings group by container port, as HostConfig.PortBindings', t => {
	t.deepEqual(portBindings(['8080:80', '127.0.0.1:8081:80', '53/udp']), {
		'80/tcp': [{HostIp: '', HostPort: '8080'}, {HostIp: '127.0.0.1', HostPort: '8081'}],
		'53/udp': [{HostIp: '', HostPort: ''}],
	});
});

const mappings: PortMapping[] = [
	{proto: 'tcp', containerPort: 80, hostIp: '', hostPort: 8080},
	{proto: 'udp', containerPort: 53, hostIp: '127.0.0.1', hostPort: 5353},
];

test('mappings print as ps, port and inspect show them', t => {
	t.is(portsText(mappings), '0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp');
	t.deepEqual(portLines(mappings), ['80/tcp -> 0.0.0.0:8080', '53/udp -> 127.0.0.1:5353']);
	t.deepEqual(portLines(mappings, '53/udp'), ['127.0.0.1:5353']);
	t.deepEqual(portLines(mappings, '80'), ['0.0.0.0:8080']);
	t.deepEqual(portLines(mappings, '53'), []);
	t.deepEqual(portsSetting(mappings), {'80/tcp': [{HostIp: '0.0.0.0', HostPort: '8080'}], '53/udp': [{HostIp: '127.0.0.1', HostPort: '5353'}]});
});
