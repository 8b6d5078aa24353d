"""The MaaS provider pool: offerings as data, matching a need to offerings, and transport to
reach them. Imports resim.core and resim.scenario."""
