"""corral.dialects."""
