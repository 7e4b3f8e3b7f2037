from flask import Blueprint

bp = Blueprint("web_assets", __name__)
