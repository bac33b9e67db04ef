# The identity cloudbuild.yaml runs as: pushes images, deploys revisions, nothing else.
resource "google_service_account" "build" {
  account_id   = "${var.prefix}build"
  display_name = "Gatehouse Cloud Build (test, build, deploy)"
  depends_on   = [google_project_service.apis]
}

# `gcloud builds submit --gcs-source-staging-dir` uploads the source here for the build to read.
resource "google_storage_bucket" "build_source" {
  name                        = "${var.project_id}-${var.prefix}build-source"
  location                    = var.region
  uniform_bucket_level_access = true
  force_destroy               = true

  lifecycle_rule {
    condition {
      age = 30
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket_iam_member" "build_reads_source" {
  bucket = google_storage_bucket.build_source.name
  role   = "roles/storage.objectViewer"
  member = google_service_account.build.member
}

resource "google_artifact_registry_repository_iam_member" "build_pushes_images" {
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.build.member
}

resource "google_project_iam_member" "build" {
  for_each = toset(["roles/run.developer", "roles/logging.logWriter"])

  project = var.project_id
  role    = each.value
  member  = google_service_account.build.member
}

# Deploying a revision that runs as an account needs permission to act as that account.
resource "google_service_account_iam_member" "build_acts_as_gateway" {
  service_account_id = google_service_account.gateway.name
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.build.member
}

resource "google_service_account_iam_member" "build_acts_as_worker" {
  service_account_id = google_service_account.worker.name
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.build.member
}
