"""The ``silkframe`` command line: a thin layer over the library.

Each module in :mod:`nlp.commands` defines ``register(app)`` that adds its subcommand(s);
subcommands parse arguments and call one library function. Results go to stdout or files,
logs and progress to stderr. Only the CLI configures logging.
"""
from __future__ import annotations

import importlib
import logging
import pkgutil

import typer

import nlp.commands

app = typer.Typer(
    name="silkframe",
    help="Silkframe: tag Chinese/English official texts with pandemic-diplomacy themes and "
         "Health/Digital Silk Road framing; evaluate against hand-coded labels; measure framing over time.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug messages to stderr.")) -> None:
    level = logging.DEBUG if verbose else logging.INFO
    # the level is set on the handler too: records that other libraries' loggers emit at their
    # own level (jieba logs DEBUG lines to its own handler) propagate here whatever the root
    # level, and would otherwise be printed a second time
    handler = logging.StreamHandler()
    handler.setLevel(level)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", handlers=[handler])


def _register_all() -> None:
    for info in sorted(pkgutil.iter_modules(nlp.commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"nlp.commands.{info.name}")
        mod.register(app)


_register_all()


def main() -> None:
    """Entry point of the ``silkframe`` console script."""
    app()


if __name__ == "__main__":
    main()
