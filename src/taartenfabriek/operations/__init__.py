"""The recipes for VM actions (start, stop, clone, edit, delete, ...) and the actions oracle.

May import core/, inventory/, tasks/ and backends/ (through their interfaces); never api/.
"""
