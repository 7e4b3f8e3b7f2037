from flask import Blueprint

bp = Blueprint("api_transfers", __name__)
