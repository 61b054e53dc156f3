from provisioning.common.api import Blueprint

blp = Blueprint("employees", __name__, description="employees")
