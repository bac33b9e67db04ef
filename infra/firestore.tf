# Composite indexes and TTL policies mirror services/shared/src/store/indexes.ts (COMPOSITE_INDEXES,
# TTL_POLICIES); test/infra fails when the two differ. Keys are the collection ids without
# var.collection_prefix.
locals {
  # name = { collection = "…", fields = [["field", "ASCENDING" | "DESCENDING" | "CONTAINS"], …] }: equality
  # fields first, then an array-contains field, then the order.
  composite_indexes = {
    rollupsByDimension = {
      collection = "usage_rollups"
      fields     = [["dimension", "ASCENDING"], ["day", "ASCENDING"]]
    }
    rollupsByValue = {
      collection = "usage_rollups"
      fields     = [["dimension", "ASCENDING"], ["value", "ASCENDING"], ["day", "ASCENDING"]]
    }
    rollupsByDimensionHour = {
      collection = "usage_rollups"
      fields     = [["dimension", "ASCENDING"], ["hour", "ASCENDING"]]
    }
    rollupsByValueHour = {
      collection = "usage_rollups"
      fields     = [["dimension", "ASCENDING"], ["value", "ASCENDING"], ["hour", "ASCENDING"]]
    }
    logsByKey = {
      collection = "request_logs"
      fields     = [["key_id", "ASCENDING"], ["timestamp", "DESCENDING"]]
    }
    logsByWorkspace = {
      collection = "request_logs"
      fields     = [["workspace_id", "ASCENDING"], ["timestamp", "DESCENDING"]]
    }
    logsByModel = {
      collection = "request_logs"
      fields     = [["model_requested", "ASCENDING"], ["timestamp", "DESCENDING"]]
    }
    logsByProvider = {
      collection = "request_logs"
      fields     = [["provider", "ASCENDING"], ["timestamp", "DESCENDING"]]
    }
    logsByStatus = {
      collection = "request_logs"
      fields     = [["status", "ASCENDING"], ["timestamp", "DESCENDING"]]
    }
    logsByOutcome = {
      collection = "request_logs"
      fields     = [["outcome", "ASCENDING"], ["timestamp", "DESCENDING"]]
    }
    logsByTrace = {
      collection = "request_logs"
      fields     = [["trace_id", "ASCENDING"], ["timestamp", "DESCENDING"]]
    }
    logsBySession = {
      collection = "request_logs"
      fields     = [["session_id", "ASCENDING"], ["timestamp", "DESCENDING"]]
    }
    logsByMetadata = {
      collection = "request_logs"
      fields     = [["metadata_pairs", "CONTAINS"], ["timestamp", "DESCENDING"]]
    }
    logsByWorkspaceMetadata = {
      collection = "request_logs"
      fields     = [["workspace_id", "ASCENDING"], ["metadata_pairs", "CONTAINS"], ["timestamp", "DESCENDING"]]
    }
    alertsByBudget = {
      collection = "budget_alerts"
      fields     = [["budget_id", "ASCENDING"], ["time", "DESCENDING"]]
    }
    alertsByWorkspace = {
      collection = "budget_alerts"
      fields     = [["workspace_id", "ASCENDING"], ["time", "DESCENDING"]]
    }
  }

  # collection = TTL field (a Timestamp).
  ttl_fields = {
    processed_events  = "expires_at"
    audit_log         = "expires_at"
    rate_limit_leases = "expires_at"
    request_logs      = "expires_at"
    budget_alerts     = "expires_at"
  }
}

resource "google_firestore_database" "main" {
  name        = "(default)"
  location_id = coalesce(var.firestore_location, var.region)
  type        = "FIRESTORE_NATIVE"
  # Destroying Terraform's record of the database leaves the data in place (README, Tearing down).
  deletion_policy = "ABANDON"
  depends_on      = [google_project_service.apis]
}

resource "google_firestore_index" "composite" {
  for_each = local.composite_indexes

  database   = google_firestore_database.main.name
  collection = "${var.collection_prefix}${each.value.collection}"

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path   = fields.value[0]
      order        = fields.value[1] == "CONTAINS" ? null : fields.value[1]
      array_config = fields.value[1] == "CONTAINS" ? "CONTAINS" : null
    }
  }
}

resource "google_firestore_field" "ttl" {
  for_each = local.ttl_fields

  database   = google_firestore_database.main.name
  collection = "${var.collection_prefix}${each.key}"
  field      = each.value

  ttl_config {}
  # No single-field index on the TTL timestamp: monotonically rising values would hotspot writes.
  index_config {}
}
