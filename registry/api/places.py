from flask import Blueprint

bp = Blueprint("api_places", __name__)
