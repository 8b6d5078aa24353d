"""Studies built on experiments: risk assessment (R1), component criticality (C2), parameter
sweeps and scenario discovery. Imports experiment and the stages below it."""
