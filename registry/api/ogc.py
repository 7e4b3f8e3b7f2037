from flask import Blueprint

bp = Blueprint("api_ogc", __name__)
