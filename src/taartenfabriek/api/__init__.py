"""HTTP and WebSocket routers; thin: parse, call a service, return a model."""
