from provisioning.common.api import Blueprint

blp = Blueprint("sites", __name__, description="sites")
