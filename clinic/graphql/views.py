"""``/graphql``: the GraphQL door, behind the REST API's own authentication and roles.

It is a DRF view, so everything before the query runs is the API's, unchanged:
the token (``Authorization: Token …``) or the staff session, the session's CSRF
check on POST (a token needs none), ``RoleAllows`` with the capability below,
and the API's one error body ``{"detail": "…"}`` for a refusal — 401 without
credentials, 403 for a non-staff account, a staff account without a role, a
role that may not see patients, or a session POST without its CSRF token; 400,
413 or 415 for a body that is not a GraphQL request.

Past that door, the answer is GraphQL's: 200 with ``data`` and, if anything was
refused or wrong (an unknown id, a row out of reach, a query over the limits),
``errors`` (clinic.graphql.schema). Queries only, by POST; GET shows signed-in
staff GraphiQL (vendored and started from a script file: the
Content-Security-Policy runs no inline or third-party script), the schema, and a
form that runs a query without any script.
"""
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.parsers import FormParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from strawberry.http import process_result

from clinic.api.parsers import BoundedJSONParser
from clinic.audit.reads import record_reads
from clinic.roles.rules import Capability
from clinic.roles.staff import staff_of

from .schema import Context
from .schema import schema as clinic_schema

EXAMPLE = """query {
  appointments(day: "2030-01-07") {
    id day time status
    patient { name age }
    doctor { name specialty }
  }
}"""


class GraphQLRequest(serializers.Serializer):
    """The body of a POST: GraphQL over HTTP's JSON, or the explorer's form (query only)."""

    query = serializers.CharField(trim_whitespace=False)
    variables = serializers.DictField(required=False, allow_null=True)
    operationName = serializers.CharField(required=False, allow_null=True, allow_blank=True)


@extend_schema(exclude=True)  # not in the REST API's OpenAPI schema: GraphQL describes itself
class GraphQL(APIView):
    # Every field of the schema shows appointments, which name their patient: as
    # GET /api/appointments/, and narrowed to the user's reach in the same way.
    capabilities = {"GET": Capability.SEE_PATIENTS, "POST": Capability.SEE_PATIENTS}
    parser_classes = (BoundedJSONParser, FormParser)
    renderer_classes = (JSONRenderer,)
    def get(self, request: Request) -> Any:
        return render(request, "graphql/explorer.html", {"sdl": clinic_schema.as_str(), "example": EXAMPLE})

    def post(self, request: Request) -> Response:
        body = GraphQLRequest(data=request.data)
        body.is_valid(raise_exception=True)
        context = Context(staff=staff_of(request.user))
        result = clinic_schema.execute_sync(body.validated_data["query"],
                                     variable_values=body.validated_data.get("variables") or None,
                                     operation_name=body.validated_data.get("operationName") or None,
                                     context_value=context)
        # Before the answer leaves: if the audit cannot be written, the request fails.
        record_reads(request, context.patients)
        return Response(process_result(result))

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, NotAuthenticated) and self.request.method == "GET":
            # A person opening the page: sign in and come back, as /api/docs/.
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
