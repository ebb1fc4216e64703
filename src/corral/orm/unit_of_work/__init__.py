"""The unit of work: plan a flush without I/O, then execute the plan. Imports ``orm.mapping``
and ``orm.relationships``; never the loaders or the Session."""
