"""Caring for the Mac: storage, pruning, limits, IP diagnosis, run logs, start at login.

May import core/, tasks/, inventory/ and backends/ (their interfaces); never tart/, api/ or
operations/.
"""
