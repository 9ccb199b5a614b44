"""The JSON API under /api/v1, described by an OpenAPI 3.1 document."""
