from __future__ import annotations

from provisioning.accounts.auth import ADMINS, roles
from provisioning.common.api import Blueprint, paginate
from provisioning.journal import service
from provisioning.journal.schemas import JournalArgs, JournalPage

blp = Blueprint("journal", __name__, url_prefix="/journal",
                description="Who changed what, when: a tenant's admins read theirs, operators all")


@blp.route("", methods=["GET"])
@roles(*ADMINS)
@blp.arguments(JournalArgs, location="query")
@blp.response(200, JournalPage)
def list_journal(args):
    return paginate(service.journal_entries(args), args)
