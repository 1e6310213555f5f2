"""Caring for the Mac: storage, pruning, limits, IP diagnosis, run logs, start at login.

May import core/, tasks/ and backends/ (through their interfaces); never api/.
"""
