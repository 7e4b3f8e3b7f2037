from flask import Blueprint

bp = Blueprint("web_clawback", __name__)
