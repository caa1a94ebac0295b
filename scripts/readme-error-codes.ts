// Rewrites the README's table of error codes from src/util/error-codes.ts:
//   node scripts/readme-error-codes.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderErrorCodeTable } from '../src/util/error-codes.ts';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const text = readFileSync(readme, 'utf8');
const updated = text.replace(/(<!-- error-codes:start -->\n)[\s\S]*?(<!-- error-codes:end -->)/, `$1${renderErrorCodeTable()}\n$2`);
writeFileSync(readme, updated);
