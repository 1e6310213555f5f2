"""HTTP and WebSocket routers; thin: parse, call a service, return a model.

May import the services (operations/, care/, console/, inventory/, catalog/, tasks/), the
backends' interfaces, security.py, web/ and core/; never tart/ nor the assembly (they reach
the running parts as `parts.Parts`).
"""
