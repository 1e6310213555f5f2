"""The image catalog: what can be pulled (GitHub Packages API, or the registry anonymously).

Imports only core/.
"""

from .service import Catalog
from .token import GitHubTokenStore, mask_token

__all__ = ["Catalog", "GitHubTokenStore", "mask_token"]
