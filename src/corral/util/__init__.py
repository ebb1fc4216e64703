"""Small pure helpers shared by the layers."""

from corral.util.immutable import immutabledict

#: ``sqlalchemy.util.OrderedDict``, which programs written for SQLAlchemy import: a dict,
#: since every dict keeps its insertion order.
OrderedDict = dict

__all__ = ["OrderedDict", "immutabledict"]
