"""corral.pool."""
