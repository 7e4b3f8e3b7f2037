from flask import Blueprint

bp = Blueprint("api_registers", __name__)
