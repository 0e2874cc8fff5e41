"""Validating action-server responses once-compiled, instead of re-checking the schema each time.

Rasa 3.6 checks every custom action's response with ``jsonschema.validate(result, schema)``,
which first validates the (large) events schema itself against the JSON-Schema meta-schema — on
every call. Profiling a policy-question turn (py-spy, bench/README.md) put 65% of the Rasa
server's CPU there. The same check, with a validator built once for the same schema, is
installed here; the Rasa server loads it with our channel (``credentials.yml``).
"""
from __future__ import annotations

import functools
from typing import Any, Dict, Text

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@functools.lru_cache(maxsize=1)
def _response_validator():
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, not per response
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    try:
        _response_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error


def install() -> None:
    """Use the once-compiled validator for every remote action (idempotent)."""
    RemoteAction._validate_action_result = _validate_action_result
