"""body-transformer with the templates of its documentation (the SOAP proxy example)."""

from __future__ import annotations

import asyncio
import base64
import json

from reference_impl.proxy.phases import instantiate
from reference_impl.proxy.plugin_api import NEW_REQUEST_BODY, REQUEST_BODY, ResponseHead
from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv
from reference_impl.schema import check_plugins

REQUEST_TEMPLATE = (
    '<?xml version="1.0"?>'
    '<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/">'
    "<soap-env:Body>"
    '<ns0:getCountryRequest xmlns:ns0="http://spring.io/guides/gs-producing-web-service">'
    "<ns0:name>{{_escape_xml(name)}}</ns0:name>"
    "</ns0:getCountryRequest></soap-env:Body></soap-env:Envelope>"
)
RESPONSE_TEMPLATE = """{% if Envelope.Body.Fault == nil then %}
{
"status":"{{_ctx.var.status}}",
"currency":"{{Envelope.Body.getCountryResponse.country.currency}}",
"population":{{Envelope.Body.getCountryResponse.country.population}},
"capital":"{{Envelope.Body.getCountryResponse.country.capital}}",
"name":"{{Envelope.Body.getCountryResponse.country.name}}"
}
{% else %}
{
"message":{*_escape_json(Envelope.Body.Fault.faultstring[1])*},
"code":"{{Envelope.Body.Fault.faultcode}}"
{% if Envelope.Body.Fault.faultactor ~= nil then %}
, "actor":"{{Envelope.Body.Fault.faultactor}}"
{% end %}
}
{% end %}"""
COUNTRY = (
    b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">'
    b"<SOAP-ENV:Header/><SOAP-ENV:Body>"
    b'<ns2:getCountryResponse xmlns:ns2="http://spring.io/guides/gs-producing-web-service">'
    b"<ns2:country><ns2:name>Spain</ns2:name><ns2:population>46704314</ns2:population>"
    b"<ns2:capital>Madrid</ns2:capital><ns2:currency>EUR</ns2:currency></ns2:country>"
    b"</ns2:getCountryResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"
)
FAULT = (
    b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">'
    b"<SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>SOAP-ENV:Server</faultcode>"
    b'<faultstring xml:lang="en">Your name is required.</faultstring>'
    b"</SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>"
)


def _plugin(conf):
    (plugin,) = instantiate(
        check_plugins({"body-transformer": conf}), PLUGIN_CLASSES, PluginEnv([], {}, {})
    )
    return plugin


def _response(plugin, ctx, status, body, content_type="text/xml"):
    head = ResponseHead(status, [("Content-Type", content_type), ("Content-Length", "9")])
    ctx.state["response_head"] = head
    plugin.header_filter(ctx, head)
    assert head.get("content-length") is None
    return plugin.body_filter(ctx, body[:10], False) + plugin.body_filter(ctx, body[10:], True)


def test_soap_proxy_of_the_documentation(make_ctx):
    encoded = base64.b64encode(RESPONSE_TEMPLATE.encode()).decode()  # given as base64
    plugin = _plugin({"request": {"template": REQUEST_TEMPLATE}, "response": {"template": encoded}})
    ctx = make_ctx("POST", "/ws", headers={"Content-Type": "application/json"})
    ctx.state[REQUEST_BODY] = b'{"name": "Spain & <co>"}'
    assert asyncio.run(plugin.rewrite(ctx)) is None
    sent = ctx.state[NEW_REQUEST_BODY].decode()
    # {{ }} escapes for HTML what _escape_xml escaped already, as lua-resty-template does
    assert "<ns0:name>Spain &amp;amp; &amp;lt;co&amp;gt;</ns0:name>" in sent
    out = json.loads(_response(plugin, ctx, 200, COUNTRY))
    assert out == {
        "status": "200",
        "currency": "EUR",
        "population": 46704314,
        "capital": "Madrid",
        "name": "Spain",
    }
    fault = json.loads(_response(plugin, make_ctx("POST", "/ws"), 500, FAULT))
    assert fault == {"message": "Your name is required.", "code": "SOAP-ENV:Server"}


def test_errors_answer_as_apisix(make_ctx):
    plugin = _plugin({"request": {"template": "{{name}}", "input_format": "json"}})
    ctx = make_ctx("POST", "/")
    ctx.state[REQUEST_BODY] = b"{not json"
    answer = asyncio.run(plugin.rewrite(ctx))
    assert answer.status == 400 and answer.body["message"].startswith("request body decode: ")
    broken = _plugin({"request": {"template": "{% if then %}"}})
    answer = asyncio.run(broken.rewrite(make_ctx("POST", "/")))
    assert answer.status == 503 and answer.body["message"].startswith("request template compile")
    failing = _plugin({"request": {"template": "{{ nothing.here }}"}})
    answer = asyncio.run(failing.rewrite(make_ctx("POST", "/")))
    assert answer.status == 503
    assert answer.body["message"].startswith("request template rendering")


def test_no_body_renders_from_variables(make_ctx):
    plugin = _plugin({"request": {"template": "{* _ctx.var.uri *} {{ _body }}|{{ '<a/>' }}"}})
    ctx = make_ctx("GET", "/p")
    assert asyncio.run(plugin.rewrite(ctx)) is None
    assert ctx.state[NEW_REQUEST_BODY] == b"/p |&lt;a&#47;&gt;"
