from provisioning.common.api import Blueprint

blp = Blueprint("contacts", __name__, description="contacts")
