// `npm run bench -- sftp-page`: the files panel's page metrics (bench/sftp-page.ts), a bench name of its own.
export { main } from './sftp-page.js';
