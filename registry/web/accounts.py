from flask import Blueprint

bp = Blueprint("web_accounts", __name__)
