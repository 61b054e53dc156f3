from provisioning.common.api import Blueprint

blp = Blueprint("devices", __name__, description="devices")
