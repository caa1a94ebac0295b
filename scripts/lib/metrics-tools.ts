/** Pins and cache paths of the Prometheus tools the metrics tests drive (Pushgateway, promtool), from the `metrics` block of test-infra/versions.json. */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComponentPin } from '../../src/cluster/local/infra-versions.ts';

const VERSIONS_FILE = fileURLToPath(new URL('../../test-infra/versions.json', import.meta.url));

export const METRICS_BUILD_COMMAND = 'node scripts/build-test-infra.ts --only metrics';

export function metricsPins(file: string = VERSIONS_FILE): Record<string, ComponentPin> {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { metrics?: Record<string, ComponentPin> };
  if (raw.metrics === undefined) throw new Error(`ETESTINFRA ${file} has no "metrics" block (pushgateway, promtool)`);
  return raw.metrics;
}

/** `${DR_DRILL_CACHE:-~/.cache/dr-drill}/bin/<component>-<version>/`: its own directory, so the pin never moves the cluster binaries' cache key. */
export function metricsBinDir(name: string, pin: ComponentPin, env: NodeJS.ProcessEnv = process.env): string {
  const cache = env['DR_DRILL_CACHE'] || join(homedir(), '.cache', 'dr-drill');
  return join(cache, 'bin', `${name}-${pin.version}`);
}

/** Path of a pinned metrics binary, or undefined when it has not been built. */
export function metricsToolPath(binary: 'pushgateway' | 'promtool', env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const [name, pin] of Object.entries(metricsPins())) {
    if (!(binary in pin.binaries)) continue;
    const file = join(metricsBinDir(name, pin, env), binary);
    return existsSync(file) ? file : undefined;
  }
  throw new Error(`ETESTINFRA no "${binary}" in the metrics block of ${VERSIONS_FILE}`);
}

/** -ldflags: the version stamp Prometheus' own release builds set (prometheus/common/version). */
export function metricsLdflags(pin: ComponentPin): string {
  return ['-s', '-w', `-X=github.com/prometheus/common/version.Version=${pin.version}`, '-X=github.com/prometheus/common/version.Branch=HEAD'].join(' ');
}
