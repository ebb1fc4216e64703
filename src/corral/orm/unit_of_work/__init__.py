"""The unit of work: plan a flush (pure), then execute the plan."""
