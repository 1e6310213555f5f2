"""tart-sim: a stand-in for the `tart` CLI on machines without Apple Silicon."""
