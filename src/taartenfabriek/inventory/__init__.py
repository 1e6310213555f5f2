"""The cached VM inventory the API reads from, refreshed from the backend.

May import core/ and backends/ (through their interfaces); never api/ or operations/.
"""
