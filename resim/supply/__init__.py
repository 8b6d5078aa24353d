"""The MaaS provider pool: offerings as a frame and a CSV, synthetic pools drawn from sourced
figures, matching a need to offerings, and transport to reach them. Imports resim.core and
resim.scenario."""
