// `node --import ./store-ts-loader.mjs child.ts`: registers store-ts-hooks.mjs.
import { register } from 'node:module';

register('./store-ts-hooks.mjs', import.meta.url);
