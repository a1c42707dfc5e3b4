"""Local, Docker-free runtime of the platform (shape 1 of DESIGN.md) for `make up` and tests."""
