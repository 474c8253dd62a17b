"""Cause-and-effect models: the expression language, the graph, and its evaluation (pure functions)."""
