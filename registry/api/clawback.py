from flask import Blueprint

bp = Blueprint("api_clawback", __name__)
