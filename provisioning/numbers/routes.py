from provisioning.common.api import Blueprint

blp = Blueprint("numbers", __name__, description="numbers")
