"""corral.dialects.mysql."""
