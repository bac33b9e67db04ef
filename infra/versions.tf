terraform {
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    # Pinned exactly: test/infra checks every argument against this version's schema
    # (the @cdktf/provider-google devDependency is generated from it).
    google = {
      source  = "hashicorp/google"
      version = "6.50.0"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

data "google_project" "this" {
  project_id = var.project_id
}
