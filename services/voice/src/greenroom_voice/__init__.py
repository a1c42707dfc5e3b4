"""Greenroom's interviewer voice (Piper, offline): a service of its own for licensing."""
