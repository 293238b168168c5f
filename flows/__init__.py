"""Prefect flows: thin tables of contents over the plain modules in ipwatch/."""
