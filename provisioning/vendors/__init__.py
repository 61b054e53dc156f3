"""Phone vendors: one module each (snom.py, yealink.py), listed once in registry.py."""
