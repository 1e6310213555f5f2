"""The subcommands, in Tart's registration order: name -> (module, abstract, shown in help).

Each module holds `SPEC` (its argparse-like declaration), optional `validate(ns)` (Tart's
argument-validation phase) and `run(ns) -> int` (the command body). `cli` imports only the
module of the subcommand being run, to keep startup cheap.
"""

from __future__ import annotations

COMMANDS: dict[str, tuple[str, str, bool]] = {
    "create": ("create", "Create a VM", True),
    "clone": ("clone", "Clone a VM", True),
    "run": ("run", "Run a VM", True),
    "set": ("setting", "Modify VM's configuration", True),
    "get": ("get", "Get a VM's configuration", True),
    "list": ("listing", "List created VMs", True),
    "login": ("login", "Login to a registry", True),
    "logout": ("logout", "Logout from a registry", True),
    "ip": ("ip", "Get VM's IP address", True),
    "exec": ("execute", "Execute a command in a running VM", True),
    "pull": ("pull", "Pull a VM from a registry", True),
    "push": ("push", "Push a VM to a registry", True),
    "import": ("importing", "Import VM from a compressed .tvm file", True),
    "export": ("exporting", "Export VM to a compressed .tvm file", True),
    "prune": ("prune", "Prune OCI and IPSW caches or local VMs", True),
    "rename": ("rename", "Rename a local VM", True),
    "stop": ("stop", "Stop a VM", True),
    "delete": ("delete", "Delete a VM", True),
    "fqn": ("fqn", "Get a fully-qualified VM name", False),
    "suspend": ("suspend", "Suspend a VM", True),
}
