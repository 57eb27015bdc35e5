"""Run localstripe on a given port with its pickle-to-/tmp disk dump switched off."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Start localstripe from scratch on PORT (the only argument); blocks until stopped."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit():
        sys.exit("usage: python -m devstack.localstripe_server PORT")
    import localstripe.resources as resources

    # localstripe re-pickles its whole store to one fixed file in the temp folder on every
    # write: slow as the store grows, and shared between instances. Keep it in memory only.
    resources.Store.dump_to_disk = lambda self: None
    import localstripe.server

    sys.argv = ["localstripe", "--port", args[0], "--from-scratch"]
    localstripe.server.start()


if __name__ == "__main__":
    main()
