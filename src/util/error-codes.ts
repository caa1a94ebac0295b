/**
 * Every error code a user can see, defined once: what it means, what usually fixes it, and the
 * exit code it leads to. The README's table of error codes is rendered from here (and tested).
 */
export interface ErrorDefinition {
  /** What happened, in a few words. */
  meaning: string;
  /** What usually fixes it; a specific error's details say more. */
  fix: string;
  /** `input`: refused before anything ran (exit 3); `step`: a step failed (exit 1); `objective`: exit 2; `cancelled`: 130; `internal`: 4. */
  exit: 'input' | 'step' | 'objective' | 'cancelled' | 'internal';
}

export const ERROR_CODES = {
  EDRILLREAD: { meaning: 'the drill file cannot be read', fix: 'check the path; drill files live in drills/', exit: 'input' },
  EDRILLYAML: { meaning: 'the drill file is not valid YAML', fix: 'fix the syntax at the position given (indentation, a colon, a quote)', exit: 'input' },
  EDRILLSCHEMA: { meaning: 'the drill file does not match the schema', fix: 'fix the field named; drills/schema.json lists what each accepts', exit: 'input' },
  EDAGCYCLE: { meaning: 'phases depend on each other in a cycle', fix: 'break the cycle in dependsOn', exit: 'input' },
  EUNKNOWNKIND: { meaning: 'a step kind that is not registered', fix: '`dr-drill kinds` lists every kind', exit: 'input' },
  EUNKNOWNREF: { meaning: 'a reference to something that does not exist or does not run before', fix: 'name a step, variable, milestone or data class the drill defines', exit: 'input' },
  EINPUT: { meaning: "a step's inputs are invalid", fix: '`dr-drill kinds` lists the inputs of each kind', exit: 'input' },
  EUSAGE: { meaning: 'the command line is wrong', fix: '`dr-drill <command> --help` shows the options', exit: 'input' },
  EUNKNOWNTARGET: { meaning: 'a target that does not exist', fix: 'use sim, local, kubeconfig or proxmox-talos', exit: 'input' },
  EPRODTARGET: { meaning: 'the drill would touch production', fix: "give the drill its own workspace, state key, VM IDs, IPs, branch and read-only backups", exit: 'input' },
  EPREFLIGHT: { meaning: 'a tool, credential or file the drill needs is missing', fix: 'install or provide what the list names, then run again', exit: 'input' },
  ESTEPTIMEOUT: { meaning: 'a step did not finish within its timeout', fix: 'see what it was waiting for in its log; raise the timeout only if the work legitimately takes longer', exit: 'step' },
  EPLANT: { meaning: "a negative control's fault could not be planted before its step", fix: 'the step log says what the target could not change; the control counts as not detected until it can', exit: 'step' },
  ESTEPFAILED: { meaning: 'a step failed for a reason its kind does not classify', fix: 'read the step log', exit: 'step' },
  ECOMMAND: { meaning: 'a command a step ran exited non-zero', fix: "the error shows the command and its output's last lines", exit: 'step' },
  ECLUSTER: { meaning: "the drill cluster's API could not be used", fix: 'check that a provisioning step wrote the kubeconfig and the API server answers', exit: 'step' },
  EFLUX: { meaning: 'a Flux Kustomization or source did not become Ready', fix: "Flux's reason (BuildFailed, HealthCheckFailed, ...) names what to fix in the GitOps tree", exit: 'step' },
  ETALOS: { meaning: 'Talos nodes are not healthy or did not join', fix: 'talosctl health and the node list in the step log', exit: 'step' },
  EVELERO: { meaning: 'a Velero backup, location or restore is missing or did not complete', fix: 'velero restore describe <name> --details, as the error says', exit: 'step' },
  ERESTIC: { meaning: 'a restic repository, snapshot or restore problem', fix: 'check repository, password and the snapshot filter', exit: 'step' },
  EGIT: { meaning: 'a Git branch or commit could not be read', fix: 'check the remote URL, the branch and the credentials', exit: 'step' },
  ESOPS: { meaning: 'a SOPS file could not be re-encrypted, or an age key decrypts what it should not (or not what it should)', fix: "the error names the files and keys; sops decrypt <file> with SOPS_AGE_KEY_FILE set to each key shows which; check .sops.yaml's creation_rules", exit: 'step' },
  EDATACHECK: { meaning: 'restored data has no valid canary record', fix: 'check that the restore brought the data back and the app writes its canary', exit: 'step' },
  ETESTINFRA: { meaning: 'a binary, pin or Go module the local cluster needs is missing', fix: 'npm run build:test-infra (needs Go and the Go module proxy) builds them into the cache', exit: 'input' },
  ELOCAL: { meaning: "the local target's cluster could not be started or stopped cleanly", fix: 'npm run build:test-infra, then see the process logs named in the error', exit: 'step' },
  EOBJECTIVE: { meaning: 'an RTO or RPO objective was missed or not measured', fix: 'see the critical path or the restore that did not bring data back', exit: 'objective' },
  ECONTROL: { meaning: 'a negative control was not detected: a check cannot fail', fix: 'make the check that should catch the fault strict enough', exit: 'step' },
  ECANCELLED: { meaning: 'the drill was cancelled (SIGINT/SIGTERM)', fix: 'a cancelled CI run is torn down by `dr-drill teardown --run-id`', exit: 'cancelled' },
  ERESULT: { meaning: 'a result.json cannot be read', fix: 'pass the result.json a drill run wrote', exit: 'input' },
  EREPORT: { meaning: 'a report could not be rendered or written', fix: '`dr-drill report <result.json>` renders them again', exit: 'internal' },
  EINTERNAL: { meaning: 'dr-drill itself failed', fix: 'report it with the step logs; the partial result says how far it got', exit: 'internal' },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_CODES;

const EXIT_OF: Record<ErrorDefinition['exit'], number> = { input: 3, step: 1, objective: 2, cancelled: 130, internal: 4 };

/** The README's table of error codes, rendered from the definitions. */
export function renderErrorCodeTable(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, definition]) => `| \`${code}\` | ${definition.meaning} | ${definition.fix} | ${EXIT_OF[definition.exit]} |`);
  return ['| code | meaning | what usually fixes it | exit |', '| --- | --- | --- | ---: |', ...rows].join('\n');
}
