# Request and response bodies of workspaces with `capture_bodies` (the gateway writes them through
# the JSON API; services/gateway/src/bodies/gcs-bodies.ts). Nothing is written until a workspace
# turns capture on; the lifecycle rule deletes each body after var.body_retention_days.
resource "google_storage_bucket" "bodies" {
  name                        = "${var.project_id}-${var.prefix}bodies"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true

  lifecycle_rule {
    condition {
      age = var.body_retention_days
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}

# Create and read objects in this bucket only (the log detail reads them back).
resource "google_storage_bucket_iam_member" "gateway_bodies" {
  bucket = google_storage_bucket.bodies.name
  role   = "roles/storage.objectUser"
  member = google_service_account.gateway.member
}
