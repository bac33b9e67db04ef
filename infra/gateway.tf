# Public: every request carries its own Gatehouse key, which the gateway checks (README, Deploying).
resource "google_cloud_run_v2_service" "gateway" {
  name                = "${var.prefix}gateway"
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = false
  # Public without an allUsers binding, which organisations restricting IAM domains forbid.
  invoker_iam_disabled = true

  template {
    service_account                  = google_service_account.gateway.email
    max_instance_request_concurrency = var.gateway_concurrency
    # Claude Code streams can last minutes; UPSTREAM_TIMEOUT_MS (600 s) bounds the wait for upstream.
    timeout = "3600s"

    scaling {
      min_instance_count = var.gateway_min_instances
      max_instance_count = var.gateway_max_instances
    }

    containers {
      image = local.gateway_image

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = var.gateway_cpu
          memory = var.gateway_memory
        }
        # CPU outside requests: usage events are published after the response has ended (infra/README.md).
        cpu_idle          = false
        startup_cpu_boost = true
      }

      env {
        name  = "GOOGLE_CLOUD_PROJECT"
        value = var.project_id
      }
      env {
        name  = "GATEHOUSE_COLLECTION_PREFIX"
        value = var.collection_prefix
      }
      env {
        name  = "GATEHOUSE_USAGE_TOPIC"
        value = google_pubsub_topic.usage.name
      }
      env {
        name  = "GATEHOUSE_BODY_BUCKET"
        value = google_storage_bucket.bodies.name
      }
      dynamic "env" {
        for_each = var.bootstrap_key_sha256 == null ? [] : [var.bootstrap_key_sha256]
        content {
          name  = "GATEHOUSE_BOOTSTRAP_KEY_HASH"
          value = env.value
        }
      }
      # Identity tokens as credentials (README, "Claude Code setup"): none configured, keys only.
      dynamic "env" {
        for_each = length(var.oidc_issuers) == 0 ? [] : [jsonencode([for i in var.oidc_issuers : { for k, v in i : k => v if v != null }])]
        content {
          name  = "GATEHOUSE_OIDC_ISSUERS"
          value = env.value
        }
      }

      # Ready once every store listener has its first snapshot (keys, configs, providers): an
      # instance that cannot yet authorise a key takes no traffic. Liveness stays on /healthz, so a
      # store outage never restarts instances that are serving from memory.
      startup_probe {
        http_get {
          path = "/readyz"
        }
        period_seconds    = 2
        timeout_seconds   = 2
        failure_threshold = 30
      }

      liveness_probe {
        http_get {
          path = "/healthz"
        }
        period_seconds    = 30
        timeout_seconds   = 5
        failure_threshold = 3
      }
    }
  }

  lifecycle {
    # Cloud Build deploys new images (cloudbuild.yaml); gcloud records itself as the client.
    ignore_changes = [template[0].containers[0].image, client, client_version]
  }

  depends_on = [google_project_service.apis, google_project_iam_member.gateway]
}
