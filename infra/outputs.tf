output "gateway_url" {
  description = "Where Claude Code and the gatehouse CLI reach the gateway."
  value       = google_cloud_run_v2_service.gateway.uri
}

output "claude_code_settings" {
  description = "~/.claude/settings.json for a developer; replace the token with their Gatehouse key."
  value = jsonencode({
    env = {
      ANTHROPIC_BASE_URL   = google_cloud_run_v2_service.gateway.uri
      ANTHROPIC_AUTH_TOKEN = "<gatehouse key: gatehouse keys create …>"
    }
  })
}

output "vertex_provider" {
  description = "The @vertex-prod provider, for `gatehouse providers apply -f` (the gateway's own identity calls Vertex AI)."
  value = jsonencode({
    slug        = "vertex-prod"
    kind        = "vertex"
    project_id  = var.project_id
    region      = var.vertex_region
    credentials = { adc = true }
  })
}

output "bootstrap_admin_key_secret" {
  description = "Secret to keep the first admin key in (gcloud secrets versions add … --data-file=-)."
  value       = google_secret_manager_secret.bootstrap_admin_key.secret_id
}

output "provider_secrets" {
  description = "Provider credential secrets, as a provider's {\"secret\": …} reference."
  value       = { for k, s in google_secret_manager_secret.provider : k => "${s.id}/versions/latest" }
}

output "images" {
  description = "Artifact Registry path Cloud Build pushes the images to."
  value       = local.registry
}

output "build_service_account" {
  description = "Run cloudbuild.yaml as this account (gcloud builds submit --service-account)."
  value       = google_service_account.build.id
}

output "build_source_bucket" {
  description = "Staging bucket for gcloud builds submit --gcs-source-staging-dir."
  value       = "gs://${google_storage_bucket.build_source.name}/source"
}
