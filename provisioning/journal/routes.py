from provisioning.common.api import Blueprint

blp = Blueprint("journal", __name__, description="journal")
