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
    request_log_parts = "expires_at"
    request_logs_0    = "expires_at"
    request_logs_1    = "expires_at"
    request_logs_2    = "expires_at"
    request_logs_3    = "expires_at"
    request_logs_4    = "expires_at"
    request_logs_5    = "expires_at"
    request_logs_6    = "expires_at"
    request_logs_7    = "expires_at"
    request_logs_8    = "expires_at"
    request_logs_9    = "expires_at"
    request_logs_10   = "expires_at"
    request_logs_11   = "expires_at"
    request_logs_12   = "expires_at"
    request_logs_13   = "expires_at"
    request_logs_14   = "expires_at"
    request_logs_15   = "expires_at"
    request_logs_16   = "expires_at"
    request_logs_17   = "expires_at"
    request_logs_18   = "expires_at"
    request_logs_19   = "expires_at"
    request_logs_20   = "expires_at"
    request_logs_21   = "expires_at"
    request_logs_22   = "expires_at"
    request_logs_23   = "expires_at"
    request_logs_24   = "expires_at"
    request_logs_25   = "expires_at"
    request_logs_26   = "expires_at"
    request_logs_27   = "expires_at"
    request_logs_28   = "expires_at"
    request_logs_29   = "expires_at"
    request_logs_30   = "expires_at"
    request_logs_31   = "expires_at"
    request_log_links = "expires_at"
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
