"""Helpers shared by the test modules, imported as ``support.<module>`` (``tests/`` is on
``sys.path`` through ``pythonpath`` in pyproject.toml's ``[tool.pytest.ini_options]``)."""
