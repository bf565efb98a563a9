#!/usr/bin/env node
// The package's bin. TypeScript sources run through tsx's loader, so `npm ci` is the whole build.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
