"""Schemathesis hooks for `cargo xtask fuzz` (xtask/src/fuzz.rs).

One named failure filter, per API, each with its reason. Everything else
Schemathesis cannot know is configured in the document it is given.
"""

import os

import schemathesis

API = os.environ.get("FUZZ_API", "")


def _json(response):
    try:
        return response.json()
    except Exception:  # noqa: BLE001 - a body that is not JSON is kept as a failure
        return None


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Return False to drop a failure; every other failure is kept.

    ZITADEL: an update that changes nothing is answered 400
    FAILED_PRECONDITION ("not changed"), as the vendor's API does
    (spec/zitadel.yaml documents it). Schemathesis sends the same valid
    body more than once (examples, shrinking), and counts the second
    answer as a valid request rejected. Only that exact answer is dropped.
    """
    if API == "zitadel" and response is not None and response.status_code == 400:
        body = _json(response)
        if (
            isinstance(body, dict)
            and body.get("code") == 9
            and "Errors.User.Profile.NotChanged" in str(body.get("message", ""))
        ):
            return False
    return True
