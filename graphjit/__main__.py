"""`python -m graphjit`: the command line (see graphjit/cli/)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
