"""Grader: owns the question bank and the meaning of "pass"."""
