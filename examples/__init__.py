"""Example applications built on corral (each one started and exercised by the tests)."""
