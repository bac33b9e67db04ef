# Optional (var.model_armor): guardrails with a model_armor check call Model Armor as the gateway's
# service account (docs/model-armor.md). The templates themselves are created by an administrator.
resource "google_project_service" "model_armor" {
  count = var.model_armor ? 1 : 0

  project            = var.project_id
  service            = "modelarmor.googleapis.com"
  disable_on_destroy = false
}

# Enough to run a template's filters (sanitizeUserPrompt, sanitizeModelResponse), not to change them.
resource "google_project_iam_member" "gateway_model_armor" {
  count = var.model_armor ? 1 : 0

  project = var.project_id
  role    = "roles/modelarmor.user"
  member  = google_service_account.gateway.member
}
