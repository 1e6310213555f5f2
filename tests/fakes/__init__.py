"""Fakes of the services the server talks to, served over real HTTP on loopback."""
