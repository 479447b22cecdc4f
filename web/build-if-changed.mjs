// `npm start`'s first step: builds the dashboard into web/dist unless the build there is newer than every
// source file, so a start after the first one does not wait a second for an unchanged build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = dirname(fileURLToPath(import.meta.url));
const built = join(web, 'dist', 'index.html');

function newestSource() {
  const files = ['index.html', 'vite.config.mts', 'tsconfig.json', ...readdirSync(join(web, 'src'), { recursive: true }).map((f) => join('src', f))];
  return Math.max(...files.map((f) => statSync(join(web, f)).mtimeMs));
}

if (!existsSync(built) || statSync(built).mtimeMs < newestSource()) {
  // Vite is loaded only when there is something to build: loading it costs a quarter of a second.
  const { build } = await import('vite');
  await build({ root: web, configFile: join(web, 'vite.config.mts'), logLevel: 'warn' });
}
