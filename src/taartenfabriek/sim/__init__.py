"""tart-sim: a stand-in for the `tart` CLI on machines without Apple Silicon.

Stdlib only, imports nothing from the rest of taartenfabriek. See `knobs` for the
TART_SIM_* environment variables and docs/tart-sim.md for the whole contract.
"""
