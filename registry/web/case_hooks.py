"""What the case blueprint adds to every request: the asset page's case panel (a context processor)
and the case emails, sent only after the request's commit.
"""

from collections.abc import Mapping

from .. import accounts, permissions
from .. import authorities as authority_register
from ..workflow import cases, engine
from .case_forms import bp, crtb_offer


# ------------------------------------------------------------------ emails after the commit


@bp.after_app_request
def _remember_status(response):
    # Runs before db.commit_once (after_request functions run in reverse order of registration).
    from flask import g

    g.workflow_response_ok = response.status_code < 400
    return response


@bp.teardown_app_request
def _send_notices(exc=None):
    from flask import g

    from ..workflow import notify

    if exc is None and g.get("workflow_response_ok") and g.get("workflow_notices"):
        try:
            notify.send_queued()
        except Exception:  # an email problem must never break the answer already sent
            import logging

            logging.getLogger(__name__).exception("Could not send case notices")
    g.pop("workflow_notices", None)


# ------------------------------------------------------------------ the asset page panel


@bp.app_context_processor
def asset_case_panel():
    """``asset_cases(asset)`` for templates/cases/_asset_actions.html (included on the asset page)."""

    def asset_cases(asset):
        user = accounts.current_actor()
        asset_id = asset["id"] if isinstance(asset, Mapping) else asset.id
        live_status = asset["live_status"] if isinstance(asset, Mapping) else asset.live_status
        public = [c for c in cases.cases_on_asset(asset_id) if engine.is_public(c)]
        return {
            "cases": [{"id": c.id, "reference": c.reference, "title": c.title,
                       "process_label": engine.get_process(c.process).label,
                       "state_label": engine.get_process(c.process).state_label(c.state)} for c in public],
            "can_nominate": "community_group_rep" in permissions.user_roles(user),
            "nation": authority_register.get(asset["authority_code"] if isinstance(asset, Mapping)
                                             else asset.authority_code).nation,
            "open_to_nomination": live_status not in ("nominated", "listed", "in_moratorium"),
            "crtb": crtb_offer(user),
            "live_status_label": engine.LIVE_STATUS_LABELS.get(live_status),
        }

    return {"asset_cases": asset_cases}
