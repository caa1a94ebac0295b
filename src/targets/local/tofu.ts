/**
 * The local target's OpenTofu setup: the Terraform configuration shipped with dr-drill
 * (terraform/main.tf, which starts and stops the disposable cluster), a backend config file
 * (local backend, one state per workspace below the target's directory), a variable file naming
 * "production's" Git. The drill's terraform.apply and
 * terraform.destroy use them through ${target.terraform*} facts.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { downSupervised, supervisorRunning } from '../../cluster/local/supervised.ts';
import type { SampleRepo } from '../../cluster/local/sample-repo.ts';

export const LOCAL_TERRAFORM_DIR = fileURLToPath(new URL('./terraform/', import.meta.url));
export const LOCAL_CLUSTER_SCRIPT = fileURLToPath(new URL('../../../scripts/local-cluster.ts', import.meta.url));

export interface LocalTofuFiles {
  /** The Terraform root module (terraform/). */
  dir: string;
  /** -backend-config file: local backend, states below `stateDir`. */
  backendConfig: string;
  /** -var-file: node, script, Git repository, where the clusters keep their state. */
  varFile: string;
  /** Per-workspace cluster state directories live here. */
  clustersDir: string;
}

const hclString = (value: string): string => JSON.stringify(value);

/** Writes the backend config and variable file for one target session into `root`. */
export function writeLocalTofuFiles(root: string, git: { url: string; repo: SampleRepo }, ageKeyFile: string | undefined): LocalTofuFiles {
  const stateDir = path.join(root, 'state');
  const clustersDir = path.join(root, 'clusters');
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  mkdirSync(clustersDir, { recursive: true, mode: 0o700 });
  const backendConfig = path.join(root, 'backend.tfbackend');
  // The local backend keeps the default workspace in `path` and every other one in
  // <workspace_dir>/<name>/terraform.tfstate, each with its own lock.
  writeFileSync(backendConfig, `path          = ${hclString(path.join(stateDir, 'default.tfstate'))}\nworkspace_dir = ${hclString(path.join(stateDir, 'workspaces'))}\n`);
  const varFile = path.join(root, 'local.tfvars.json');
  writeFileSync(
    varFile,
    JSON.stringify(
      {
        node: process.execPath,
        cluster_script: LOCAL_CLUSTER_SCRIPT,
        state_root: clustersDir,
        git_url: git.url,
        git_branch: git.repo.branch,
        git_work_dir: git.repo.workDir,
        git_head: git.repo.headSha,
        age_key_file: ageKeyFile ?? '',
      },
      null,
      2,
    ),
  );
  return { dir: LOCAL_TERRAFORM_DIR, backendConfig, varFile, clustersDir };
}

/**
 * Stops every cluster still running below `clustersDir`: what a terraform.destroy that failed, or an
 * apply interrupted before Tofu recorded the resource, left behind. Returns their names.
 */
export async function stopLeftoverClusters(clustersDir: string, log: (line: string) => void): Promise<string[]> {
  if (!existsSync(clustersDir)) return [];
  const stopped: string[] = [];
  for (const workspace of readdirSync(clustersDir)) {
    const dir = path.join(clustersDir, workspace);
    const running = supervisorRunning(dir);
    if (await downSupervised(dir, log)) {
      if (running) stopped.push(workspace);
    }
  }
  return stopped;
}
