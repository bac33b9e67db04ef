# Optional (var.bigquery_export): every usage event also lands in BigQuery, as JSON, for SQL over
# all of history, e.g. SELECT JSON_VALUE(data, '$.model'), SUM(INT64(data.cost_micros)) / 1e6 …
resource "google_bigquery_dataset" "analytics" {
  count = var.bigquery_export ? 1 : 0

  dataset_id = "${replace(var.prefix, "-", "_")}analytics"
  location   = var.region
  depends_on = [google_project_service.apis]
}

resource "google_bigquery_table" "usage_events" {
  count = var.bigquery_export ? 1 : 0

  dataset_id          = google_bigquery_dataset.analytics[0].dataset_id
  table_id            = "usage_events"
  deletion_protection = true

  time_partitioning {
    type  = "DAY"
    field = "publish_time"
  }

  # The columns a BigQuery subscription with write_metadata fills.
  schema = jsonencode([
    { name = "subscription_name", type = "STRING", mode = "NULLABLE" },
    { name = "message_id", type = "STRING", mode = "NULLABLE" },
    { name = "publish_time", type = "TIMESTAMP", mode = "NULLABLE" },
    { name = "data", type = "JSON", mode = "NULLABLE" },
    { name = "attributes", type = "JSON", mode = "NULLABLE" },
  ])
}

resource "google_bigquery_table_iam_member" "pubsub_agent_writes_usage" {
  count = var.bigquery_export ? 1 : 0

  dataset_id = google_bigquery_table.usage_events[0].dataset_id
  table_id   = google_bigquery_table.usage_events[0].table_id
  role       = "roles/bigquery.dataEditor"
  member     = local.pubsub_agent
}

resource "google_pubsub_subscription" "usage_bigquery" {
  count = var.bigquery_export ? 1 : 0

  name  = "${var.prefix}usage-bigquery"
  topic = google_pubsub_topic.usage.id

  bigquery_config {
    table          = "${var.project_id}.${google_bigquery_table.usage_events[0].dataset_id}.${google_bigquery_table.usage_events[0].table_id}"
    write_metadata = true
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_bigquery_table_iam_member.pubsub_agent_writes_usage]
}
