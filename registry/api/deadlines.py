from flask import Blueprint

bp = Blueprint("api_deadlines", __name__)
