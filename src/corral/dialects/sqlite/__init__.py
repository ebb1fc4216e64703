"""corral.dialects.sqlite."""
