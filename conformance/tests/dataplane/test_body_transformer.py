"""body-transformer on real traffic.

Sources: APISIX 3.5 body-transformer docs and apisix/plugins/body-transformer.lua: the request
body, decoded as `input_format` or as its Content-Type says (application/json, text/xml), is
rendered through the lua-resty-template `template` and sent upstream instead; the response
body likewise goes back rendered (`_ctx.var` gives the variables, `{{ }}` escapes for HTML,
`{* *}` does not); a body that does not decode is answered 400 {"message": "request body
decode: ..."}.
"""

from __future__ import annotations

import base64

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import plugin_route, wait_served


@conformance_test(
    name="body-transformer",
    description="body-transformer renders the request body (JSON, XML) and the response body "
    "through their templates, and refuses a body that does not decode",
    profile="dataplane",
    features=["dp-plugin-body-transformer"],
)
def test_body_transformer(admin, dataplane, gw_target, echo, tag):
    request_only = {"request": {"template": '{"greeting":"hello {{name}}","n":{*n*}}'}}
    both = {
        "request": {"template": "{{a.b}}/{{a.c[2]}}"},
        # base64, as the documentation allows: {"seen":{*_escape_json(body)*},"status":"..."}
        "response": {
            "template": base64.b64encode(
                b'{"seen":{*_escape_json(body)*},"status":"{{_ctx.var.status}}"}'
            ).decode()
        },
    }
    xml_path = plugin_route(admin, echo, tag, "bt-xml", {"body-transformer": both})
    json_path = plugin_route(admin, echo, tag, "bt-json", {"body-transformer": request_only})
    # the route made last is served: the first is too (without a body, names are nil: "")
    wait_served(dataplane, json_path, "echo", gw_target.timeouts)

    sent = dataplane.post(json_path, json={"name": "alice", "n": 3})
    assert sent.status_code == 200, sent.text
    assert sent.json()["body"] == '{"greeting":"hello alice","n":3}'

    xml = b"<a><b>x</b><c>1</c><c>2</c></a>"
    answer = dataplane.post(xml_path, headers={"Content-Type": "text/xml"}, content=xml)
    # the upstream got "x/2" and answered JSON, which the response template rendered
    assert answer.json() == {"seen": "x/2", "status": "200"}, answer.text

    bad = dataplane.post(
        json_path, content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert bad.status_code == 400
    assert bad.json()["message"].startswith("request body decode: "), bad.text
