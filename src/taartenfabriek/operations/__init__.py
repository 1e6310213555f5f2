"""The recipes for VM actions, one class per family: starts (start, resume, start options),
stops (stop, shutdown, suspend), creates (pull, clone, create, create-empty), edits (edit,
rename), deletes; the actions oracle; and the context they share (context.py).

May import core/, care/, inventory/, tasks/ and backends/ (their interfaces); never tart/
(what a start runs is the backend's to say) nor api/.
"""
