"""The console's one way to the data: the gateway's public HTTP API, called with the signed-in person's token.

Every page asks the API, as an integrator would; nothing here reads a service's database or imports its code.
A failed call becomes an ApiError carrying the problem details the API answered with, so a page can put a 422's
messages next to their fields, say a 409 in words, and show which part of the system is unavailable (502, 503,
504, or no answer at all) while the rest of the page works.

The errors (errors), the pooled connections (client), the calls of the current request (calls), a page of a list
(page).
"""
from console.api.calls import CLIENT_HEADER, Api, api, server_timing
from console.api.client import ApiClient
from console.api.errors import UNAVAILABLE, ApiError, SignInNeeded, problem_of
from console.api.page import Page

__all__ = ["CLIENT_HEADER", "UNAVAILABLE", "Api", "ApiClient", "ApiError", "Page", "SignInNeeded", "api",
           "problem_of", "server_timing"]
