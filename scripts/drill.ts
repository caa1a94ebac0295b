#!/usr/bin/env node
/**
 * Pipeline entry point: `node scripts/drill.ts run drills/cold-start.yaml --target sim`.
 * Pipelines call this rather than the bin so CI-specific publishing can hook in here.
 */
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { runCli } = await import('../src/cli/entry.ts');
await runCli(process.argv.slice(2));
