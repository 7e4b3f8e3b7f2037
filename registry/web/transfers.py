from flask import Blueprint

bp = Blueprint("web_transfers", __name__)
