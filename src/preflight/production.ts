/**
 * What production owns, normalized once for comparison: VM ID ranges, VIPs and load-balancer
 * ranges as numbers; branches, state keys, kube contexts and issuers by meaning; Terraform
 * workspaces including the well-known production names that no drill may use.
 */
import type { ProductionSpec } from '../drill/safety-schema.ts';
import { parseIpRange, type IpRange } from './ip.ts';
import { normalizeBranch, normalizeName, normalizeStateKey } from './normalize.ts';

/** Always refused as a drill's workspace, whatever the drill's own list says. */
export const WELL_KNOWN_PRODUCTION_WORKSPACES = ['default', 'prod', 'production', 'live', 'main', 'master', 'prd'] as const;
/** A workspace whose name has one of these words (prod-eu, live_2) is production's too. */
const PRODUCTION_WORDS = new Set(['prod', 'production', 'prd', 'live']);

export interface NumberRange {
  first: number;
  last: number;
  text: string;
}

export interface Production {
  spec: ProductionSpec;
  vips: IpRange[];
  lbRanges: IpRange[];
  vmIds: NumberRange[];
  /** Normalized name -> the name as production declares it. */
  branches: Map<string, string>;
  stateKeys: Map<string, string>;
  kubeContexts: Map<string, string>;
  issuers: Map<string, string>;
}

export function productionOf(spec: ProductionSpec): Production {
  const byName = (names: string[], normalize: (name: string) => string) => new Map(names.map((name) => [normalize(name), name]));
  return {
    spec,
    vips: spec.controlPlaneVips.map((vip) => parseIpRange(vip)).filter((range): range is IpRange => range !== undefined),
    lbRanges: spec.loadBalancerRanges.map((range) => parseIpRange(range)).filter((range): range is IpRange => range !== undefined),
    vmIds: spec.proxmoxVmIds.map((id) => {
      if (typeof id === 'number') return { first: id, last: id, text: String(id) };
      const [first, last] = id.split('-').map((part) => Number(part.trim()));
      return { first: Math.min(first!, last!), last: Math.max(first!, last!), text: id };
    }),
    branches: byName(spec.gitBranches, normalizeBranch),
    stateKeys: byName(spec.terraformStateKeys, normalizeStateKey),
    kubeContexts: byName(spec.kubeContexts, normalizeName),
    issuers: byName(spec.certIssuers, normalizeName),
  };
}

/** Why a Terraform workspace holds production state, or undefined when it is a drill's own. */
export function productionWorkspace(production: Production, workspace: string, stepList: readonly (string | undefined)[] = []): string | undefined {
  const name = normalizeName(workspace);
  if (production.spec.terraformWorkspaces.some((declared) => normalizeName(declared) === name)) return 'production.terraformWorkspaces';
  if (stepList.some((declared) => declared !== undefined && normalizeName(declared) === name)) return "the step's productionWorkspaces";
  if ((WELL_KNOWN_PRODUCTION_WORKSPACES as readonly string[]).includes(name)) return 'a well-known production workspace name';
  if (name.split(/[-_./:\s]+/).some((word) => PRODUCTION_WORDS.has(word))) return 'its name says production';
  return undefined;
}

export function vmIdHit(production: Production, id: NumberRange): NumberRange | undefined {
  return production.vmIds.find((range) => id.first <= range.last && range.first <= id.last);
}

export function branchFix(branch: string): string {
  return `bootstrap the drill's Flux from a drill branch or path (e.g. drill/${branch}): Flux and Terraform's flux_bootstrap_git commit to the branch they bootstrap from, and production syncs ${branch}`;
}
