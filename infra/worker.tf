# Internal: reachable only from inside Google Cloud (Pub/Sub push counts), and invocable only by the
# push identity (iam.tf). It has no allUsers binding and keeps Cloud Run's IAM check on.
resource "google_cloud_run_v2_service" "worker" {
  name                = "${var.prefix}worker"
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_INTERNAL_ONLY"
  deletion_protection = false
  # The pushes' OIDC audience (pubsub.tf), which Cloud Run checks before the worker verifies it again.
  custom_audiences = [local.push_audience]

  template {
    service_account                  = google_service_account.worker.email
    max_instance_request_concurrency = var.worker_concurrency
    timeout                          = "60s"

    scaling {
      min_instance_count = var.worker_min_instances
      max_instance_count = var.worker_max_instances
    }

    containers {
      image = local.worker_image

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = "1"
          memory = "512Mi"
        }
        # All work happens inside the push request: no CPU needed between requests.
        cpu_idle = true
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
        name  = "DEAD_LETTER_TOPIC"
        value = google_pubsub_topic.usage_dead_letter.name
      }
      env {
        name  = "ALERTS_TOPIC"
        value = google_pubsub_topic.alerts.name
      }
      env {
        name  = "GATEHOUSE_COMMIT_WAIT_MS"
        value = var.worker_commit_wait_ms
      }
      env {
        name  = "PUSH_AUDIENCE"
        value = local.push_audience
      }
      env {
        name  = "PUSH_SERVICE_ACCOUNT"
        value = google_service_account.push.email
      }

      startup_probe {
        http_get {
          path = "/healthz"
        }
        period_seconds    = 2
        timeout_seconds   = 2
        failure_threshold = 15
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
    ignore_changes = [template[0].containers[0].image, client, client_version]
  }

  depends_on = [google_project_service.apis, google_project_iam_member.worker]
}
