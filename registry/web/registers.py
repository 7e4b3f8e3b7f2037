from flask import Blueprint

bp = Blueprint("web_registers", __name__)
