resource "google_artifact_registry_repository" "images" {
  repository_id = "${var.prefix}images"
  location      = var.region
  format        = "DOCKER"
  description   = "Gatehouse gateway and worker images, pushed by Cloud Build."

  # Every build pushes two images: keep the last ten of each, delete the rest after a month.
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 10
    }
  }

  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      older_than = "2592000s"
    }
  }

  depends_on = [google_project_service.apis]
}

locals {
  registry = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
  # Until Cloud Build has pushed an image, the services run Google's sample container (it answers every path with 200).
  placeholder_image = "us-docker.pkg.dev/cloudrun/container/hello"
  gateway_image     = var.image_tag == null ? local.placeholder_image : "${local.registry}/gateway:${var.image_tag}"
  worker_image      = var.image_tag == null ? local.placeholder_image : "${local.registry}/worker:${var.image_tag}"
}
