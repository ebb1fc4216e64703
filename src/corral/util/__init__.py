"""Small pure helpers shared by the layers."""
