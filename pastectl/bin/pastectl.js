#!/usr/bin/env node
// pastectl's entry point: loads the TypeScript sources through tsx (as every Pastemesh process runs).
import { register } from 'tsx/esm/api';

register();
const { main, processIo } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2), processIo());
