"""The daily model of one replication (resim.sim.engine.Model) and what changes it while it runs:
disruptions, responses, agreements, circular supply. Imports resim.core, scenario and supply."""
