#!/usr/bin/env node
// dr-drill runs its TypeScript sources directly with Node 24's type stripping.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`dr-drill needs Node.js 24 or newer (this is ${process.version}); run it through npm (npx dr-drill / npm run drill) so the pinned Node 24 from node_modules is used\n`);
  process.exit(4);
}
// Type-stripped and compiled modules are cached on disk (NODE_COMPILE_CACHE moves the cache):
// a start after the first skips most of the stripping and compiling.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
const { runCli } = await import('../src/cli/entry.ts');
await runCli(process.argv.slice(2));
