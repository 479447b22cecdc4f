import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/** The dashboard: a static bundle the local stack serves at `/`, talking only to the REST API on the same origin. */
export default defineConfig({
  // Relative asset URLs: on AWS the page lives under the API stage's path (/live/).
  base: './',
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022' },
});
