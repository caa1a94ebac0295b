/**
 * Every value compared with what production owns, whatever its key is called and however deep it
 * sits: IPs, CIDRs and ranges inside any text against the VIPs and load-balancer ranges; whole
 * numbers against the VM ID ranges (unless the key says it is a size, count or port); every word
 * of a text, by meaning, against production's branches, state keys, kube contexts and issuers.
 */
import { ipRangesIn, overlaps, parseIpRange, type IpRange } from './ip.ts';
import { normalizeBranch, normalizeName, normalizeStateKey, tokensOf } from './normalize.ts';
import { branchFix, productionWorkspace, vmIdHit, type NumberRange, type Production } from './production.ts';

export type ValuePath = (string | number)[];

export interface Finding {
  at: ValuePath;
  /** What of production's it matches, e.g. `branch:main`, `vm-id:100-199`. */
  owned: string;
  message: string;
  fix: string;
}

export interface ValueScan {
  /** How the values are named in messages, e.g. `drill.tfvars` or `step "ingress-ip"`. */
  where: string;
  allowIssuer: boolean;
  /** Numbers the step kind's schema types as counts or codes, never VM IDs. */
  typedNumber?: (at: ValuePath) => boolean;
  /** Key paths (dotted, without list indices) whose value is a Terraform workspace: TF_WORKSPACE, workspaces.name. */
  workspaceKey?: RegExp;
}

/** Key words that make a number a quantity, not an ID: memory = 150 is not VM 150. */
const QUANTITY_WORDS = new Set(
  'mem memory ram cpu cpus core cores socket sockets vcpu vcpus thread threads disk disks size gb mb gib mib tb bytes balloon count replicas replica port ports mtu timeout ttl interval retries retry attempts weight priority prefix mask bits version percent ratio limit limits quota days hours minutes seconds delay vlan status code'.split(' '),
);
const RANGE_START = /^(start|begin|first|from|min|low)/i;
const RANGE_END = /^(stop|end|last|to|max|high)/i;

export function pathText(at: ValuePath): string {
  return at.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('') || '(value)';
}

function isQuantity(at: ValuePath): boolean {
  return at.some((part) => typeof part === 'string' && part.split(/[-_.\s]+|(?<=[a-z])(?=[A-Z])/).some((word) => QUANTITY_WORDS.has(word.toLowerCase())));
}

export function scanValues(tree: unknown, production: Production, scan: ValueScan): Finding[] {
  const findings: Finding[] = [];
  const found = (owned: string, at: ValuePath, message: string, fix: string) => findings.push({ at, owned, message, fix });
  const label = (at: ValuePath) => (at.length > 0 ? `${scan.where} (${pathText(at)})` : scan.where);

  const vmIds = (ids: NumberRange[], at: ValuePath) => {
    for (const id of ids) {
      const hit = vmIdHit(production, id);
      if (hit) found(`vm-id:${hit.text}`, at, `VM ID ${id.text} in ${label(at)} is a production VM ID (production.proxmoxVmIds: ${hit.text})`, "give the drill's VMs IDs from a range production never uses (e.g. 9100-9199)");
    }
  };
  const addresses = (range: IpRange, at: ValuePath): boolean => {
    const vip = production.vips.find((candidate) => overlaps(candidate, range));
    const lb = production.lbRanges.find((candidate) => overlaps(candidate, range));
    if (vip) {
      const relation = range.first === range.last ? 'is' : 'contains';
      found(`vip:${vip.text}`, at, `${range.text} in ${label(at)} ${relation} production's control-plane VIP (production.controlPlaneVips: ${vip.text})`, "give the drill cluster its own VIP: two clusters announcing one VIP take production's API down");
    } else if (lb) {
      found(`lb:${lb.text}`, at, `${range.text} in ${label(at)} overlaps production's load-balancer range ${lb.text} (production.loadBalancerRanges)`, "give the drill its own load-balancer pool and ingress IP: a drill cluster announcing production's ingress IP breaks production");
    }
    return Boolean(vip ?? lb);
  };
  const names = (text: string, at: ValuePath) => {
    const reported = new Set<string>();
    const once = (key: string, report: () => void) => {
      if (!reported.has(key)) reported.add(key), report();
    };
    for (const token of tokensOf(text)) {
      const branch = production.branches.get(normalizeBranch(token));
      if (branch) once(`branch:${branch}`, () => found(`branch:${branch}`, at, `"${token}" in ${label(at)} names production branch "${branch}" (production.gitBranches)`, branchFix(branch)));
      const key = production.stateKeys.get(normalizeStateKey(token));
      if (key) once(`key:${key}`, () => found(`state-key:${key}`, at, `"${token}" in ${label(at)} is production's Terraform state key "${key}" (production.terraformStateKeys)`, 'give the drill its own backend config with its own state key (e.g. key = "drill/terraform.tfstate")'));
      const context = production.kubeContexts.get(normalizeName(token));
      if (context) once(`context:${context}`, () => found(`kube-context:${context}`, at, `"${token}" in ${label(at)} is production kube context "${context}" (production.kubeContexts)`, "point the drill at its own cluster's context, never production's"));
      const issuer = scan.allowIssuer ? undefined : production.issuers.get(normalizeName(token));
      if (issuer) once(`issuer:${issuer}`, () => found(`issuer:${issuer}`, at, `${label(at)} uses production certificate issuer "${issuer}"`, 'use a staging issuer (e.g. letsencrypt-staging) in the drill, or set preflight.allowProductionIssuer: true'));
    }
  };
  const text = (value: string, at: ValuePath) => {
    for (const range of ipRangesIn(value)) addresses(range, at);
    const whole = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(value);
    if (whole && !isQuantity(at)) vmIds([numberRange(Number(whole[1]), Number(whole[2] ?? whole[1]), value.trim())], at);
    // --vmid=150, VMID=150: a number named by the text itself.
    for (const pair of value.matchAll(/(?:^|\s)-*([A-Za-z][\w.-]*)=(\d+)(?:-(\d+))?(?=\s|$)/g)) {
      if (!isQuantity([pair[1]!])) vmIds([numberRange(Number(pair[2]), Number(pair[3] ?? pair[2]), pair[0].trim())], at);
    }
    names(value, at);
    if (scan.workspaceKey?.test(at.filter((part) => typeof part === 'string').join('.'))) {
      const reason = productionWorkspace(production, value);
      if (reason) found(`workspace:${value}`, at, `Terraform workspace "${value}" in ${label(at)} holds production state (${reason})`, 'use a drill-owned workspace, e.g. drill-${run.id}');
    }
  };
  /** { start: 10.0.0.1, stop: 10.0.0.9 } is one range (a Cilium or MetalLB pool), not two addresses. */
  const rangePair = (value: Record<string, unknown>, at: ValuePath) => {
    const entries = Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && parseIpRange(entry[1]) !== undefined);
    const start = entries.find(([key]) => RANGE_START.test(key));
    const end = entries.find(([key]) => RANGE_END.test(key));
    if (!start || !end) return;
    const [first, last] = [parseIpRange(start[1])!, parseIpRange(end[1])!];
    addresses({ first: Math.min(first.first, last.first), last: Math.max(first.last, last.last), text: `${start[1]}-${end[1]}` }, at);
  };
  const visit = (value: unknown, at: ValuePath): void => {
    if (Array.isArray(value)) value.forEach((item, index) => visit(item, [...at, index]));
    else if (value && typeof value === 'object') {
      const before = findings.length;
      for (const [key, item] of Object.entries(value)) visit(item, [...at, key]);
      if (findings.length === before) rangePair(value as Record<string, unknown>, at);
    } else if (typeof value === 'number') {
      if (Number.isInteger(value) && !isQuantity(at) && !scan.typedNumber?.(at)) vmIds([numberRange(value, value, String(value))], at);
    } else if (typeof value === 'string') text(value, at);
  };
  visit(tree, []);
  return findings;
}

function numberRange(a: number, b: number, text: string): NumberRange {
  return { first: Math.min(a, b), last: Math.max(a, b), text };
}
