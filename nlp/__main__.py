"""``python -m nlp`` = the ``silkframe`` command."""
from nlp.cli import main

if __name__ == "__main__":
    main()
