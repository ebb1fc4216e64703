"""Small pure helpers shared by the layers."""

#: ``sqlalchemy.util.OrderedDict``, which programs written for SQLAlchemy import: a dict,
#: since every dict keeps its insertion order.
OrderedDict = dict

__all__ = ["OrderedDict"]
