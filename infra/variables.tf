variable "project_id" {
  type        = string
  description = "The Google Cloud project Gatehouse is deployed into."
}

variable "region" {
  type        = string
  description = "Region of the Cloud Run services, Artifact Registry and (unless firestore_location is set) Firestore."
  default     = "us-central1"
}

variable "prefix" {
  type        = string
  description = "Prepended to the name of every resource (services, accounts, topics, secrets), so several deployments can share a project. Also the prefix of the topic names the services default to."
  default     = "gatehouse-"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,14}$", var.prefix))
    error_message = "prefix must be 1-15 characters: lowercase letters, digits and hyphens, starting with a letter (service account ids are at most 30 characters)."
  }
}

variable "collection_prefix" {
  type        = string
  description = "Prepended to every Firestore collection name (GATEHOUSE_COLLECTION_PREFIX); empty unless several deployments share one database."
  default     = ""
}

variable "firestore_location" {
  type        = string
  description = "Firestore location (a region such as us-central1, or a multi-region such as nam5). Default: var.region. Cannot change after the first apply."
  default     = null
}

variable "image_tag" {
  type        = string
  description = "Tag of the gateway and worker images in Artifact Registry for the first apply. Null deploys Google's placeholder image until Cloud Build deploys the real ones; Terraform ignores image changes after the first apply."
  default     = null
}

variable "gateway_min_instances" {
  type        = number
  description = "Gateway instances kept warm. 0 costs nothing at idle but the first request after a quiet spell waits for a cold start (a few seconds); 1 keeps Claude Code snappy for about 50 USD a month."
  default     = 0
}

variable "gateway_max_instances" {
  type        = number
  description = "Upper bound of gateway instances."
  default     = 20
}

variable "gateway_concurrency" {
  type        = number
  description = "Requests one gateway instance serves at once. Requests mostly wait on the model (streams last minutes), so one instance holds many."
  default     = 200
}

variable "gateway_cpu" {
  type        = string
  description = "vCPUs per gateway instance."
  default     = "1"
}

variable "gateway_memory" {
  type        = string
  description = "Memory per gateway instance. The image caps V8's old generation at 640 MB (services/gateway/Dockerfile); lower this below ~900Mi only with that flag lowered too."
  default     = "1Gi"
}

variable "worker_min_instances" {
  type        = number
  description = "Worker instances kept warm. Pub/Sub retries, so a cold start delays usage totals only."
  default     = 0
}

variable "worker_max_instances" {
  type        = number
  description = "Upper bound of worker instances."
  default     = 10
}

variable "worker_concurrency" {
  type        = number
  description = "Pushes one worker instance handles at once. Each waits for its group commit (up to worker_commit_wait_ms plus the commit), so an instance takes about concurrency / that wait events a second: 1,000 events/s needs several hundred."
  default     = 1000
}

variable "worker_commit_wait_ms" {
  type        = number
  description = "How long the worker's group commit waits for more events after its first (ms). Shorter: faster acks, more writes per counter document."
  default     = 250
}

variable "vertex_region" {
  type        = string
  description = "Vertex AI location of the @vertex-prod provider the outputs suggest: global, us, eu, or a region such as us-east5."
  default     = "global"
}

variable "provider_secrets" {
  type        = set(string)
  description = "Secret Manager secrets (ids without the prefix) for provider credentials, e.g. an Anthropic API key or Bedrock keys. Terraform creates them empty; the gateway may read only these."
  default     = ["anthropic-api-key"]
}

variable "bootstrap_key_sha256" {
  type        = string
  description = "SHA-256 hex of the first organisation admin key (README, Deploying). Only the hash: the key itself never enters Terraform. Null: create the first key with `gatehouse bootstrap` instead."
  default     = null

  validation {
    condition     = var.bootstrap_key_sha256 == null || can(regex("^[0-9a-f]{64}$", var.bootstrap_key_sha256))
    error_message = "bootstrap_key_sha256 must be 64 lowercase hex characters (sha256sum of the key)."
  }
}

variable "oidc_issuers" {
  type = list(object({
    issuer        = string
    audience      = any # a string, or a list of strings
    hosted_domain = optional(string)
    algorithms    = optional(list(string))
  }))
  description = "Issuers whose OIDC ID tokens the gateway accepts instead of keys (README, \"Claude Code setup\"), e.g. [{ issuer = \"https://accounts.google.com\", audience = [\"32555940559.apps.googleusercontent.com\", \"<gateway URL>\"], hosted_domain = \"example.com\" }]. Empty: keys only."
  default     = []
}

variable "alert_email" {
  type        = string
  description = "Where error and budget alerts are e-mailed. Null: the alert policies exist but notify no one."
  default     = null
}

variable "error_alert_threshold" {
  type        = number
  description = "ERROR log entries from either service in 5 minutes that raise the error alert."
  default     = 5
}

variable "bigquery_export" {
  type        = bool
  description = "Also write every usage event to BigQuery (a Pub/Sub BigQuery subscription) for SQL analytics."
  default     = false
}

variable "model_armor" {
  type        = bool
  description = "Enable the Model Armor API and let the gateway call it, for guardrails with a model_armor check."
  default     = false
}

variable "body_retention_days" {
  type        = number
  description = "Days a captured request or response body is kept in the bodies bucket (workspaces with capture_bodies)."
  default     = 30
}
