"""corral.dialects.postgresql."""
