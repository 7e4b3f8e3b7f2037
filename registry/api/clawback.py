"""POST /api/clawback/calculate: the clawback calculator as JSON (domain §7.3).

Public and stateless: it records nothing, so it needs no CSRF token (an API
client has no form to carry one). A bad or missing input answers 400
application/problem+json naming the field (registry/errors.py).
"""

from flask import Blueprint, jsonify, request

from .. import clawback
from ..errors import InvalidInput, invalid_input
from ..permissions import public
from ..security import csrf_exempt

bp = Blueprint("api_clawback", __name__, url_prefix="/api/clawback")


@bp.post("/calculate")
@public
@csrf_exempt
def calculate():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("Send the calculation inputs as a JSON object (Content-Type: application/json).",
                           field="body")
    with invalid_input(clawback.InputError):
        calculation = clawback.calculate(clawback.parse_inputs(body))
    return jsonify(clawback.to_json(calculation))
