# The local target's disposable drill cluster, provisioned the way runbook 000 provisions the
# Talos VMs: `tofu init -backend-config=<file>`, a workspace per drill run, `tofu apply`, outputs
# read by dr-drill's terraform.apply, `tofu destroy` and `workspace delete` by terraform.destroy.
#
# No provider is downloaded: the built-in terraform_data resource runs local-exec provisioners
# that start (on create) and stop (on destroy) the cluster through scripts/local-cluster.ts: a
# real kwok control plane (etcd, kube-apiserver) with real Flux, bootstrapped from the target's
# Git server. The local target writes the backend config (local backend, a state per workspace
# in the run's directory) and the variable file; see src/targets/local/tofu.ts.
terraform {
  required_version = ">= 1.6.0"
  backend "local" {}
}

variable "node" {
  type        = string
  description = "The node binary that runs scripts/local-cluster.ts."
}

variable "cluster_script" {
  type        = string
  description = "Absolute path of scripts/local-cluster.ts."
}

variable "state_root" {
  type        = string
  description = "Directory below which each workspace's cluster keeps its state (kubeconfig, pids, logs)."
}

variable "git_url" {
  type        = string
  description = "Clone URL of the GitOps repository Flux is bootstrapped from (production's Git)."
}

variable "git_branch" {
  type        = string
  description = "Branch Flux follows."
}

variable "git_work_dir" {
  type        = string
  description = "Working clone of that repository; its clusters/drill/ holds the layer Kustomizations."
}

variable "git_head" {
  type        = string
  description = "Commit at the branch HEAD when the target staged the repository."
}

variable "age_key_file" {
  type        = string
  default     = ""
  description = "The drill's SOPS age key file: the cluster gets it as flux-system/sops-age (empty: no key in the cluster)."
}

variable "up_timeout_seconds" {
  type        = number
  default     = 240
  description = "How long the create provisioner waits for the cluster to be up."
}

locals {
  cluster_dir = "${var.state_root}/${terraform.workspace}"
}

resource "terraform_data" "cluster" {
  # Destroy-time provisioners may only read self: everything `down` needs is in the input.
  input = {
    dir    = local.cluster_dir
    node   = var.node
    script = var.cluster_script
  }
  triggers_replace = [var.git_url, var.git_branch]

  provisioner "local-exec" {
    interpreter = [var.node, var.cluster_script]
    command     = "up"
    environment = {
      DR_DRILL_CLUSTER_DIR  = local.cluster_dir
      DR_DRILL_GIT_URL      = var.git_url
      DR_DRILL_GIT_BRANCH   = var.git_branch
      DR_DRILL_GIT_WORK_DIR = var.git_work_dir
      DR_DRILL_GIT_HEAD     = var.git_head
      DR_DRILL_UP_TIMEOUT   = tostring(var.up_timeout_seconds)
      DR_DRILL_AGE_KEY_FILE = var.age_key_file
    }
  }

  provisioner "local-exec" {
    when        = destroy
    interpreter = [self.output.node, self.output.script]
    command     = "down"
    environment = {
      DR_DRILL_CLUSTER_DIR = self.output.dir
    }
  }
}

# Read after the create provisioner ran (the path is unknown until the resource exists); try()
# keeps a destroy working when the cluster's directory is already gone.
output "kubeconfig" {
  value     = try(file("${terraform_data.cluster.output.dir}/kubeconfig"), "")
  sensitive = true
}

output "cluster_name" {
  value = try(jsondecode(file("${terraform_data.cluster.output.dir}/cluster.json")).name, "")
}
