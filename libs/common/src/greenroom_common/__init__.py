"""Greenroom's shared kernel: contracts, configuration, storage, bus and metrics helpers.

Nothing service-specific belongs here (DESIGN.md, "Services")."""
