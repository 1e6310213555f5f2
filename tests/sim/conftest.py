from tests.simtools import tart_sim

__all__ = ["tart_sim"]
