# Terraform creates the secrets, never their values: a value in a variable would be kept in the
# state in plain text. Values are added with `gcloud secrets versions add` (README, Deploying).

# Where the team keeps the first organisation admin key. Nothing reads it at run time: the gateway
# gets only the key's SHA-256 (var.bootstrap_key_sha256).
resource "google_secret_manager_secret" "bootstrap_admin_key" {
  secret_id = "${var.prefix}bootstrap-admin-key"

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

# Provider credentials, named in a provider as {"secret": "projects/…/secrets/…/versions/latest"}.
resource "google_secret_manager_secret" "provider" {
  for_each = var.provider_secrets

  secret_id = "${var.prefix}${each.value}"

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}
