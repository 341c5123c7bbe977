/** Container ids and the names berth makes up when none is given, in Docker's adjective_surname style. */
import {randomBytes, randomInt} from 'node:crypto';

const adjectives = [
	'admiring', 'agitated', 'amazing', 'blissful', 'bold', 'brave', 'busy', 'clever', 'cool',
	'dazzling', 'eager', 'elastic', 'festive', 'focused', 'gallant', 'gifted', 'happy', 'hopeful',
	'jolly', 'keen', 'kind', 'laughing', 'lucid', 'modest', 'nifty', 'optimistic', 'peaceful',
	'quirky', 'relaxed', 'serene', 'sharp', 'stoic', 'sweet', 'tender', 'trusting', 'upbeat',
	'vibrant', 'wizardly', 'youthful', 'zealous',
];

const surnames = [
	'agnesi', 'babbage', 'bell', 'curie', 'darwin', 'dijkstra', 'euclid', 'feynman', 'franklin',
	'galileo', 'goldberg', 'hamilton', 'hopper', 'hypatia', 'johnson', 'kepler', 'knuth', 'lamarr',
	'lovelace', 'mccarthy', 'meitner', 'noether', 'pascal', 'perlman', 'ritchie', 'shannon',
	'thompson', 'torvalds', 'turing', 'wozniak',
];

export const newId = (): string => randomBytes(32).toString('hex');

export const randomName = (): string =>
	`${adjectives[randomInt(adjectives.length)]}_${surnames[randomInt(surnames.length)]}`;

/** Docker's rule for container names. */
export const validName = (name: string): boolean => /^\/?[a-zA-Z\d][\w.-]*$/.test(name);

export const shortId = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);
