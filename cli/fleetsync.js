#!/usr/bin/env node
// The package's bin: the bundle in dist/ when it is up to date, else the TypeScript sources (see load-main.js).
import { loadMain } from './load-main.js';

const { main } = await loadMain();
process.exitCode = await main(process.argv.slice(2));
