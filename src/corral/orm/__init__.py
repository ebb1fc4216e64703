"""corral.orm."""
