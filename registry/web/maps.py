from flask import Blueprint

bp = Blueprint("web_maps", __name__)
