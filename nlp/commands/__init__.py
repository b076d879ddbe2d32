"""CLI subcommands, one module each; every module defines ``register(app)``.

Modules must import heavy libraries inside the command functions, never at module level.
"""
