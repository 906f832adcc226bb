"""Operating the service: health and readiness, metrics, logging, backups."""
