locals {
  services_filter = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=(\"${google_cloud_run_v2_service.gateway.name}\" OR \"${google_cloud_run_v2_service.worker.name}\")"
  alert_channels  = google_monitoring_notification_channel.email[*].id
}

resource "google_monitoring_notification_channel" "email" {
  count = var.alert_email == null ? 0 : 1

  display_name = "${var.prefix}alerts e-mail"
  type         = "email"
  labels = {
    email_address = var.alert_email
  }
  depends_on = [google_project_service.apis]
}

# ERROR and worse from either service: failed publishes, dead letters, crashes, upstream outages.
resource "google_logging_metric" "errors" {
  name   = "${var.prefix}errors"
  filter = "${local.services_filter} AND severity>=ERROR"

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
  }
}

# The worker's structured log line for a budget threshold crossed (docs/design.md §7.5: once per period).
resource "google_logging_metric" "budget_alerts" {
  name   = "${var.prefix}budget-alerts"
  filter = "${local.services_filter} AND jsonPayload.message=\"budget threshold reached\""

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
  }
}

resource "google_monitoring_alert_policy" "errors" {
  display_name          = "${var.prefix}errors"
  combiner              = "OR"
  notification_channels = local.alert_channels

  conditions {
    display_name = "more than ${var.error_alert_threshold} errors in 5 minutes"
    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.errors.name}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.error_alert_threshold
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }

  documentation {
    content   = "Gatehouse services logged errors. Logs Explorer: ${local.services_filter} AND severity>=ERROR"
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "budget_alerts" {
  display_name          = "${var.prefix}budget alerts"
  combiner              = "OR"
  notification_channels = local.alert_channels

  conditions {
    display_name = "a budget crossed an alert threshold"
    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.budget_alerts.name}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }

  documentation {
    content   = "A Gatehouse budget crossed one of its alert thresholds. Which one: Logs Explorer, ${local.services_filter} AND jsonPayload.message=\"budget threshold reached\"."
    mime_type = "text/markdown"
  }
}

# Request metrics from each request's "request done" line (REQUEST_DONE_LOG in
# services/gateway/src/usage/emit.ts), which carries the usage event: counts, errors, latency and
# cost per provider, model and status, without any code on the request path.
locals {
  request_done_filter = "${local.services_filter} AND jsonPayload.message=\"request done\""
  request_labels = {
    provider = "EXTRACT(jsonPayload.usage_event.provider)"
    model    = "EXTRACT(jsonPayload.usage_event.model_requested)"
    status   = "EXTRACT(jsonPayload.usage_event.status)"
  }
}

resource "google_logging_metric" "requests" {
  name             = "${var.prefix}requests"
  filter           = local.request_done_filter
  label_extractors = local.request_labels

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    dynamic "labels" {
      for_each = local.request_labels
      content {
        key        = labels.key
        value_type = "STRING"
      }
    }
  }
}

# Failed requests: the gateway or an upstream failed them (a client cancel is not an error).
resource "google_logging_metric" "request_errors" {
  name             = "${var.prefix}request-errors"
  filter           = "${local.request_done_filter} AND jsonPayload.usage_event.outcome=(\"upstream_error\" OR \"rejected\" OR \"gateway_error\")"
  label_extractors = local.request_labels

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    dynamic "labels" {
      for_each = local.request_labels
      content {
        key        = labels.key
        value_type = "STRING"
      }
    }
  }
}

resource "google_logging_metric" "request_latency" {
  name             = "${var.prefix}request-latency"
  filter           = local.request_done_filter
  value_extractor  = "EXTRACT(jsonPayload.usage_event.latency_ms)"
  label_extractors = local.request_labels

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "DISTRIBUTION"
    unit        = "ms"
    dynamic "labels" {
      for_each = local.request_labels
      content {
        key        = labels.key
        value_type = "STRING"
      }
    }
  }

  bucket_options {
    exponential_buckets {
      num_finite_buckets = 40
      growth_factor      = 1.4
      scale              = 10
    }
  }
}

# Cost in micro-USD per request; the distribution's sum is the spend.
resource "google_logging_metric" "request_cost" {
  name             = "${var.prefix}request-cost"
  filter           = local.request_done_filter
  value_extractor  = "EXTRACT(jsonPayload.usage_event.cost_micros)"
  label_extractors = local.request_labels

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "DISTRIBUTION"
    unit        = "1"
    dynamic "labels" {
      for_each = local.request_labels
      content {
        key        = labels.key
        value_type = "STRING"
      }
    }
  }

  bucket_options {
    exponential_buckets {
      num_finite_buckets = 40
      growth_factor      = 2
      scale              = 1
    }
  }
}
