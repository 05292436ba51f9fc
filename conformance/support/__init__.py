"""Helpers the scenario tests share: echo upstreams, eventually(), certificates, unique ids."""
