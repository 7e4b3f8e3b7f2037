from flask import Blueprint

bp = Blueprint("api_cases", __name__)
