# One identity per job, each with only what it needs (README, Deploying: "Identities").

resource "google_service_account" "gateway" {
  account_id   = "${var.prefix}gateway"
  display_name = "Gatehouse gateway (Cloud Run)"
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "worker" {
  account_id   = "${var.prefix}worker"
  display_name = "Gatehouse worker (Cloud Run)"
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "push" {
  account_id   = "${var.prefix}push"
  display_name = "Gatehouse Pub/Sub push identity (may invoke the worker only)"
  depends_on   = [google_project_service.apis]
}

# Gateway: calls Claude on Vertex AI, reads keys/configs/providers, writes audit entries and keys.
resource "google_project_iam_member" "gateway" {
  for_each = toset(["roles/aiplatform.user", "roles/datastore.user", "roles/logging.logWriter"])

  project = var.project_id
  role    = each.value
  member  = google_service_account.gateway.member
}

resource "google_pubsub_topic_iam_member" "gateway_publishes_usage" {
  topic  = google_pubsub_topic.usage.id
  role   = "roles/pubsub.publisher"
  member = google_service_account.gateway.member
}

resource "google_secret_manager_secret_iam_member" "gateway_reads_provider_secrets" {
  for_each = google_secret_manager_secret.provider

  secret_id = each.value.id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.gateway.member
}

# Worker: applies usage to Firestore totals, dead-letters what it cannot read, raises alerts.
resource "google_project_iam_member" "worker" {
  for_each = toset(["roles/datastore.user", "roles/logging.logWriter"])

  project = var.project_id
  role    = each.value
  member  = google_service_account.worker.member
}

resource "google_pubsub_topic_iam_member" "worker_publishes_dead_letters" {
  topic  = google_pubsub_topic.usage_dead_letter.id
  role   = "roles/pubsub.publisher"
  member = google_service_account.worker.member
}

resource "google_pubsub_topic_iam_member" "worker_publishes_alerts" {
  topic  = google_pubsub_topic.alerts.id
  role   = "roles/pubsub.publisher"
  member = google_service_account.worker.member
}

# Push identity: Pub/Sub signs its OIDC token as this account; it may invoke the worker and nothing else.
resource "google_cloud_run_v2_service_iam_member" "push_invokes_worker" {
  name     = google_cloud_run_v2_service.worker.name
  location = google_cloud_run_v2_service.worker.location
  role     = "roles/run.invoker"
  member   = google_service_account.push.member
}
