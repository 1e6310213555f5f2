"""The cached VM inventory the API reads from, refreshed from the backend.

May import core/ and backends/ (their interfaces); never tart/, api/, operations/ or care/.
"""
