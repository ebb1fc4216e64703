"""Small pure helpers shared by the layers."""

from corral.util.immutable import immutabledict

__all__ = ["immutabledict"]
