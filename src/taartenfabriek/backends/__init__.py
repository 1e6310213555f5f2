"""Where VMs run: the `Backend` seam (base.py) and its two sides, the `tart` CLI on this Mac
(local.py, local_lifecycle.py) and an Orchard controller (orchard/).

May import core/ and tart/; what they need from above (where to record runs) comes in as a
Protocol of base.py. Never imports services, api/ or the assembly.
"""
