"""``corral.event``: listen to what the Session, mappers, attributes, engines and pools do.

The machinery lives here (``dispatch``: a target's listeners; ``families``: the
base of a family of events; ``api``: listen/remove/contains); each family is
defined next to its layer. Imports only ``corral.exc``.
"""

from corral.event.api import contains, listen, listens_for, remove
from corral.event.families import Events

__all__ = ["Events", "contains", "listen", "listens_for", "remove"]
