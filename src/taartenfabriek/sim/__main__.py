"""Entry point of `tart-sim` (being written)."""

import sys


def main() -> None:
    sys.exit(1)


if __name__ == "__main__":
    main()
