"""de taartenfabriek: a local web app for Tart virtual machines."""

__version__ = "0.1.0"
