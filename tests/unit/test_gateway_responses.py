"""Answers API Gateway makes itself (infra/resources.json) use the API's error shape."""

from __future__ import annotations

import json
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "resources.json"


def _gateway_responses() -> dict[str, dict[str, object]]:
    resources = json.loads(TEMPLATE.read_text())["Resources"]
    return {r["Properties"]["ResponseType"]: r["Properties"] for r in resources.values()
            if r["Type"] == "AWS::ApiGateway::GatewayResponse"}


def test_the_gateway_answers_what_it_rejects_itself_in_the_error_shape():
    # given the gateway responses of the template
    responses = _gateway_responses()
    # then the framework-level rejections and both defaults are covered, with these statuses
    assert {t: p.get("StatusCode") for t, p in responses.items()} == {
        "MISSING_AUTHENTICATION_TOKEN": "404", "UNSUPPORTED_MEDIA_TYPE": "415", "REQUEST_TOO_LARGE": "413",
        "THROTTLED": "429", "DEFAULT_4XX": None, "DEFAULT_5XX": None}
    for kind, props in responses.items():
        # and each body, with API Gateway's quoted message filled in, is the contract's error object
        template = props["ResponseTemplates"]["application/json"]  # type: ignore[index]
        body = json.loads(template.replace("$context.error.messageString", '"Forbidden"'))
        assert set(body) == {"error"} and set(body["error"]) == {"type", "code", "message"}, kind
        assert body["error"]["message"], kind
        assert props["ResponseParameters"] == {
            "gatewayresponse.header.X-Request-Id": "context.requestId",
            "gatewayresponse.header.Content-Type": "'application/json'"}, kind
