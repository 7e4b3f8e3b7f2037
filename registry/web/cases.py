from flask import Blueprint

bp = Blueprint("web_cases", __name__)
