from flask import Blueprint

bp = Blueprint("api_maps", __name__)
