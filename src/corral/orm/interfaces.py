"""corral.orm.interfaces: the ORM's extension base classes, under SQLAlchemy's module path."""

from corral.orm.loading.user_options import UserDefinedOption
from corral.orm.mapping.prop_comparator import PropComparator
from corral.orm.mapping.properties import MapperProperty

__all__ = ["MapperProperty", "PropComparator", "UserDefinedOption"]
