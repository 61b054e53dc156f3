"""Which contacts a device's phonebook holds, how many its model takes, and its version.

The steps, each a module:

* ``selection``: what a device receives (``Selection``: the tenant's whole public phonebook with
  its employees, or one group; plus, per device option, its employee's private contacts) and the
  entries it holds, read from the database in three column queries (no ORM objects: a tenant may
  have 50,000 contacts).
* ``limits``: the model's limits from the vendor's model table (each with its source, or None:
  unknown, nothing is cut) and the cut: favourites first, then alphabetical.
* ``build``: renders the entries with the vendor module (one place knows each vendor's format)
  and gives the phonebook's ETag, which is its version: it changes exactly when a byte of it does
  (an employee's new name or number included). Devices with the same selection and limits share
  one rendering (``Rendered.key``) in a batch and in the render store.

Nothing here imports Flask or the HTTP routes; the caller passes the SQLAlchemy session.
"""

from phonebook_sync.build import Rendered, describe, device_phonebook
from phonebook_sync.entries import Entry
from phonebook_sync.limits import Limits, cut, limits_for
from phonebook_sync.selection import Selection, load_entries, selection_for

__all__ = ["Entry", "Limits", "Rendered", "Selection", "cut", "describe", "device_phonebook",
           "limits_for", "load_entries", "selection_for"]
