"""Long operations as tasks: the engine (claims, states, cancel), a run's reports, the SQLite
store, pub/sub to WebSockets, and recovery after a restart.

Imports only core/; a task's body is handed in by the services.
"""
