import pkg from '../package.json';

export const MAILROOM_VERSION: string = pkg.version;
