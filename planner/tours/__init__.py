"""The tour problem as plain data, no I/O: the model (``Problem``), a plan and its typed meta,
feasibility reasons, the independent validator and the French vocabulary of days and patterns."""
