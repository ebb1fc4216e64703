"""corral.ext."""
