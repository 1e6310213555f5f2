"""Shared types below every layer: wire models, errors, names, settings, logging, processes.

Imported by anyone; imports nothing of the package outside core/.
"""
