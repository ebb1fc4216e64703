"""corral: a Python ORM built around the Session.

Everything public is importable from here; ``__all__`` lists it (a test keeps it exact).
"""

from corral import exc

__version__ = "0.1.0"

__all__ = ["__version__", "exc"]
