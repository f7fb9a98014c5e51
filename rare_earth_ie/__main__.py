"""``python -m rare_earth_ie``: the command line."""
from .frontends.cli import app

if __name__ == "__main__":
    app(prog_name="rare-earth-ie")
