# Topic ids and the push path are declared in services/shared/src/bus/topics.ts (TOPICS, PUSH_PATHS);
# test/infra checks these names against it.
locals {
  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  # The OIDC audience of the usage pushes: a fixed string rather than the worker's URL, which the
  # worker's own env (PUSH_AUDIENCE) could not refer to. Cloud Run accepts it as a custom audience.
  push_audience = "https://${var.prefix}worker.${var.project_id}.gatehouse.internal/pubsub"
}

resource "google_pubsub_topic" "usage" {
  name       = "${var.prefix}usage"
  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "usage_dead_letter" {
  name       = "${var.prefix}usage-dead-letter"
  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "alerts" {
  name       = "${var.prefix}alerts"
  depends_on = [google_project_service.apis]
}

resource "google_pubsub_subscription" "usage_push" {
  name                 = "${var.prefix}usage-push"
  topic                = google_pubsub_topic.usage.id
  ack_deadline_seconds = 60
  # Unacked events are kept a week: a worker outage delays totals, it does not lose them.
  message_retention_duration = "604800s"

  push_config {
    push_endpoint = "${google_cloud_run_v2_service.worker.uri}/pubsub/usage"
    oidc_token {
      service_account_email = google_service_account.push.email
      audience              = local.push_audience
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.usage_dead_letter.id
    max_delivery_attempts = 10
  }

  expiration_policy {
    ttl = "" # never expires, however quiet the gateway is
  }
}

# A topic keeps nothing without a subscription: this one holds dead letters until someone reads them.
resource "google_pubsub_subscription" "usage_dead_letter_hold" {
  name                       = "${var.prefix}usage-dead-letter-hold"
  topic                      = google_pubsub_topic.usage_dead_letter.id
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = ""
  }
}

# Pub/Sub itself moves undeliverable messages to the dead-letter topic: its service agent must be
# able to publish there and to acknowledge them on the push subscription.
resource "google_pubsub_topic_iam_member" "pubsub_agent_dead_letters" {
  topic  = google_pubsub_topic.usage_dead_letter.id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_acks_usage" {
  subscription = google_pubsub_subscription.usage_push.id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}
