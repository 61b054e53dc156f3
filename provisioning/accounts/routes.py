from provisioning.common.api import Blueprint

blp = Blueprint("accounts", __name__, description="accounts")
