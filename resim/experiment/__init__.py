"""Replications over executors with common random numbers, reduced to outcomes, tables and a
comparison of strategies. Imports the stages below it (core, scenario, supply, sim)."""
