from flask import Blueprint

bp = Blueprint("api_assets_write", __name__)
