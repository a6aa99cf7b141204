"""Sync: identities, hybrid logical clock, field-level versions (and later bundles, import and export)."""
