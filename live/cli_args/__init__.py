"""Argument definitions of the ``live`` commands, one module per area (argparse only)."""
