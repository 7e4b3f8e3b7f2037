from flask import Blueprint

bp = Blueprint("web_deadlines", __name__)
