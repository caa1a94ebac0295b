/**
 * The drill file's safety blocks: `production:` (what production owns, so preflight can prove
 * the drill touches none of it) and `preflight:` (what to check before anything is provisioned).
 */
import { z } from 'zod';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an environment variable name, e.g. PROXMOX_VE_API_TOKEN' });

const IPV4 = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}`;
export const ipv4 = z.string().regex(new RegExp(`^${IPV4}$`), { error: 'an IPv4 address, e.g. 10.0.0.10' });
export const ipRange = z
  .string()
  .regex(new RegExp(`^${IPV4}(?:/(?:3[0-2]|[12]?\\d)|\\s*-\\s*${IPV4})?$`), { error: 'an IPv4 address, a CIDR (10.0.50.0/24) or a range (10.0.50.100-10.0.50.150)' });
export const vmIdRange = z.union([z.int().min(100), z.string().regex(/^\d+\s*-\s*\d+$/, { error: 'a VM ID (9100) or a range of VM IDs ("100-199")' })]);

export const productionSchema = z
  .strictObject({
    kubeContexts: z.array(z.string().min(1)).default([]).meta({ description: 'kubeconfig contexts of production clusters; a kubeconfig target using one is refused.' }),
    terraformWorkspaces: z
      .array(z.string().min(1))
      .default(['default', 'prod', 'production'])
      .meta({ description: 'Terraform workspaces that hold production state; terraform steps using one are refused. Well-known production names (default, prod, production, live, main, master, prd, and names with the word prod, production, prd or live) are refused whatever this list says.' }),
    terraformStateKeys: z
      .array(z.string().min(1))
      .default([])
      .meta({ description: 'Backend state keys of production (key= in the backend config). A drill using one, however written (./prod/../prod/terraform.tfstate, prod//terraform.tfstate), is refused: give the drill its own backend config and key.' }),
    proxmoxVmIds: z.array(vmIdRange).default([]).meta({ description: 'Proxmox VM IDs production uses: single IDs or ranges such as "100-199".' }),
    controlPlaneVips: z.array(ipv4).default([]).meta({ description: 'Control-plane VIPs (Talos VIP, Kubernetes API endpoint) of production.' }),
    loadBalancerRanges: z.array(ipRange).default([]).meta({ description: 'Load-balancer IPs and ranges production announces (MetalLB/Cilium pools, the ingress IP): CIDRs or a-b ranges.' }),
    gitBranches: z.array(z.string().min(1)).default([]).meta({ description: 'Git branches Flux bootstraps production from; a drill must bootstrap Flux from another branch.' }),
    certIssuers: z.array(z.string().min(1)).default([]).meta({ description: 'cert-manager issuers that are production (e.g. letsencrypt-prod); a drill uses a staging issuer unless preflight.allowProductionIssuer is true.' }),
  })
  .meta({ id: 'Production', description: 'What production owns. Preflight refuses (EPRODTARGET) a drill whose target, Terraform variables or inputs reuse any of it.' });

export const PREFLIGHT_CHECKS = ['tools', 'env', 'age-key', 'git-remote', 'isolation'] as const;
/** What a drill file may leave out: never isolation from production (only the --skip-preflight flag, which every report shows). */
export const SKIPPABLE_CHECKS = ['tools', 'env', 'age-key', 'git-remote'] as const;

export const preflightSchema = z
  .strictObject({
    ageKeyFile: z.string().optional().meta({ description: 'SOPS age key file (relative to the drill file, or ${env.SOPS_AGE_KEY_FILE}); must not be empty and its public key must be a recipient in sopsConfig.' }),
    sopsConfig: z.string().optional().meta({ description: 'The .sops.yaml whose creation_rules name the age recipients (relative to the drill file).' }),
    requiredEnv: z.array(envName).default([]).meta({ description: 'Environment variables that must be set besides those the plan uses (e.g. credentials read by Terraform providers).' }),
    tools: z.array(z.string().min(1)).default([]).meta({ description: 'Programs that must be installed besides those the step kinds need.' }),
    gitRemotes: z.array(z.string().min(1)).default([]).meta({ description: 'Git remotes that must answer git ls-remote besides those of git.head steps.' }),
    fluxBranch: z.string().optional().meta({ description: 'The branch the drill bootstraps Flux from, when neither the Terraform variables nor a flux bootstrap command say it.' }),
    allowProductionIssuer: z.boolean().default(false).meta({ description: 'Allow a production certificate issuer in this drill (counts against the issuer\'s rate limits).' }),
    skip: z
      .array(
        z
          .enum(PREFLIGHT_CHECKS)
          .refine((check) => check !== 'isolation', {
            error: 'isolation from production cannot be switched off in the drill file: fix what preflight refuses, or for a one-off run pass --skip-preflight (every report then says preflight was skipped)',
          })
          // Editors offer only what the drill file may skip.
          .meta({ enum: [...SKIPPABLE_CHECKS] }),
      )
      .default([])
      .meta({ description: 'Checks to leave out (tools, env, age-key, git-remote). Isolation from production is never left out by the drill file.' }),
  })
  .meta({ id: 'Preflight', description: 'Checks that run after planning and before anything is provisioned; every problem is listed, then the run stops with exit code 3.' });

export type ProductionSpec = z.output<typeof productionSchema>;
export type PreflightSpec = z.output<typeof preflightSchema>;
