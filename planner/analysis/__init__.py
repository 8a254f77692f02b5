"""Decisions between scenarios: the yearly cost model, scenarios side by side, parameter
sweeps and their variables."""
