"""corral.sql."""
