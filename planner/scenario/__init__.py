"""Scenario files and what is made from them: the TOML schema and its reader (keys, values,
schema, files, checks), the build of a problem from a scenario and the database (context,
build, asis), the end-to-end pipeline, provenance, and the check before publishing."""
