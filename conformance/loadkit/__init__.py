"""`gwconform load`: Locust profiles against a gateway's data plane, judged by SLOs."""
