"""Qt item models over engine services (ids plus lazily fetched pages)."""
