"""The REST surface under /api/v1."""
